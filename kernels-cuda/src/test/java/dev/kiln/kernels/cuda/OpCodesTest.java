package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The op codes of OpCodes.java are the KILN_* defines of kiln.cuh, one for one. */
class OpCodesTest {

    @Test
    void javaAndCudaAgreeOnEveryCode() throws IOException {
        String header = Files.readString(ModuleFiles.path("src/main/cuda/kiln.cuh"));
        Map<String, Integer> defined = new HashMap<>();
        Matcher m = Pattern.compile("#define KILN_((?:UNARY|BINARY|COMPARE|REDUCE|SCAN|ACTIVATION|ADAM)_\\w+) (\\d+)").matcher(header);
        while (m.find()) {
            defined.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertThat(defined).isEqualTo(OpCodes.all());
    }
}
