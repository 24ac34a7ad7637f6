package dev.kiln.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.tensor.spi.Backend;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpEventTest {
    @TempDir
    Path dir;

    @Test
    void withoutARecordingOpsGetTheBackendItself() {
        assertThat(Proxy.isProxyClass(Backends.forDevice(Device.CPU).getClass())).isFalse();
        assertThat(Proxy.isProxyClass(Backends.forOp("matmul", Device.CPU).getClass())).isFalse();
    }

    @Test
    void eachKernelCallIsOneEventWithItsOpShapesDtypeBackendAndAllocation() throws Exception {
        Generator rng = new Generator(3);
        Tensor a = Tensor.randn(rng, 64, 32);
        Tensor b = Tensor.randn(rng, 32, 48);
        Tensor c;
        List<RecordedEvent> events;
        try (Recording r = new Recording()) {
            r.enable(OpEvent.NAME).withoutThreshold();
            r.start();
            c = a.matmul(b).relu();
            r.stop();
            Path f = dir.resolve("ops.jfr");
            r.dump(f);
            events = RecordingFile.readAllEvents(f).stream()
                    .filter(e -> e.getEventType().getName().equals(OpEvent.NAME)).toList();
        }
        assertThat(c.shape()).containsExactly(64, 48);
        RecordedEvent mm = events.stream().filter(e -> e.getString("op").equals("matmul")
                && e.getString("kernel").equals("matmul")).findFirst().orElseThrow();
        assertThat(mm.getString("shapes")).isEqualTo("[64, 48] [64, 32] [32, 48]");
        assertThat(mm.getString("dtype")).isEqualTo("F32");
        assertThat(mm.getString("backend")).isEqualTo(Backends.forDevice(Device.CPU).name());
        assertThat(mm.getDuration().toNanos()).isPositive();
        // the output's storage is allocated under the op's name: at least 64*48 floats
        RecordedEvent alloc = events.stream().filter(e -> e.getString("op").equals("matmul")
                && e.getString("kernel").equals("allocate")).findFirst().orElseThrow();
        assertThat(alloc.getLong("allocated")).isGreaterThanOrEqualTo(64 * 48 * 4L);
        assertThat(alloc.getString("shapes")).isEqualTo("[3072]");
        assertThat(events).anyMatch(e -> e.getString("op").equals("relu"));
        // outside the recording the backend is unwrapped again
        assertThat(Proxy.isProxyClass(Backends.forDevice(Device.CPU).getClass())).isFalse();
    }

    @Test
    void aProfiledKernelThrowsWhatTheKernelThrows() {
        try (Recording r = new Recording()) {
            r.enable(OpEvent.NAME);
            r.start();
            Backend b = Backends.forDevice(Device.CPU);
            assertThat(Proxy.isProxyClass(b.getClass())).isTrue();
            assertThatThrownBy(() -> b.copyFromHost(Tensor.zeros(2), Tensor.zeros(3)))
                    .isNotInstanceOf(java.lang.reflect.UndeclaredThrowableException.class);
            assertThat(b.name()).isEqualTo(Backends.forDevice(Device.CPU).name());
        }
    }

    @Test
    void eventTypeIsOffByDefault() throws Exception {
        try (Recording r = new Recording()) {
            r.start();
            Tensor.ones(4).add(Tensor.ones(4));
            r.stop();
            Path f = dir.resolve("default.jfr");
            r.dump(f);
            assertThat(RecordingFile.readAllEvents(f)).noneMatch(e -> e.getEventType().getName().equals(OpEvent.NAME));
            assertThat(Files.size(f)).isPositive();
        }
    }
}
