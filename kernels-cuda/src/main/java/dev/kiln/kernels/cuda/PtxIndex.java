package dev.kiln.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The generated kernel files, read from the class path (dev/kiln/kernels/cuda/NAME.ptx and
 * NAME.sm_90.cubin), and the entry points with their parameter lists that a PTX file declares.
 */
final class PtxIndex {
    static final String RESOURCE_DIR = "dev/kiln/kernels/cuda/";

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile(
            "\\.param\\s+(\\.align\\s+\\d+\\s+)?(\\.\\w+)\\s+\\w+(\\[(\\d+)\\])?");

    private PtxIndex() {
    }

    /** The bytes of a resource, or null when it is absent. */
    static byte[] resource(String fileName) {
        try (InputStream in = PtxIndex.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + fileName)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cuda: cannot read kernel resource " + fileName, e);
        }
    }

    static String ptx(String module) {
        byte[] b = resource(module + ".ptx");
        if (b == null) {
            throw new IllegalStateException("cuda: kernel module " + module + ".ptx is missing from the class path "
                    + "(run kernels-cuda/build-ptx.sh)");
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** Entry name to parameter kinds, written as {@link Param#ptx()} writes them. */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) {
                String type = p.group(2);
                if (p.group(1) != null || p.group(4) != null) {
                    String align = p.group(1) == null ? "" : p.group(1).trim().replaceAll("\\s+", " ") + " ";
                    type = align + type + (p.group(4) == null ? "" : "[" + p.group(4) + "]");
                }
                params.add(type);
            }
            out.put(m.group(1), params);
        }
        return out;
    }
}
