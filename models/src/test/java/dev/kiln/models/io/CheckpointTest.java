package dev.kiln.models.io;

import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {
    @TempDir
    Path dir;

    @Test
    void sectionsAndMetadataRoundTrip() throws IOException {
        Path p = dir.resolve("ck.safetensors");
        new Checkpoint(Map.of("0.weight", Tensor.ones(2, 2)), Map.of("state.0.step", Tensor.scalar(3)),
                Map.of("scheduler.last_step", Tensor.scalar(3)), Map.of("step", "3")).save(p);
        Checkpoint c = Checkpoint.load(p);
        assertThat(c.model()).containsOnlyKeys("0.weight");
        assertThat(c.optim()).containsOnlyKeys("state.0.step");
        assertThat(c.train()).containsOnlyKeys("scheduler.last_step");
        assertThat(c.meta("step")).isEqualTo("3");
        assertThat(c.metadata()).doesNotContainKey("format");
        assertThat(Safetensors.read(p).tensors()).containsKeys("model.0.weight", "optim.state.0.step", "train.scheduler.last_step");
        assertThatThrownBy(() -> c.meta("epoch")).hasMessageContaining("no 'epoch'");
    }

    @Test
    void aPlainSafetensorsFileIsNotACheckpoint() throws IOException {
        Path p = dir.resolve("plain.safetensors");
        Safetensors.write(p, Map.of("model.x", Tensor.ones(1)), Map.of());
        assertThatThrownBy(() -> Checkpoint.load(p)).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("kiln-checkpoint-1");
        Safetensors.write(p, Map.of("weight", Tensor.ones(1)), Map.of("format", Checkpoint.FORMAT));
        assertThatThrownBy(() -> Checkpoint.load(p)).isInstanceOf(Safetensors.InvalidFileException.class)
                .hasMessageContaining("prefixes");
    }
}
