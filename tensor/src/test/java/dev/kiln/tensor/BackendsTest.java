package dev.kiln.tensor;

import dev.kiln.tensor.spi.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendsTest {
    /**
     * A bad kiln.backend.cpu is an IllegalArgumentException at use, and fixing the property fixes
     * the next use: no static initializer throws, so the class is not left broken for the JVM's life.
     * Backends is loaded afresh (its choice is made once per class loader) so this test does not
     * depend on what ran before it.
     */
    @Test
    void aBadBackendPropertyIsAnErrorAtUseNotABrokenClass() throws Exception {
        URL classes = Backends.class.getProtectionDomain().getCodeSource().getLocation();
        String before = System.getProperty("kiln.backend.cpu");
        Thread t = Thread.currentThread();
        ClassLoader context = t.getContextClassLoader();
        try (URLClassLoader fresh = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            t.setContextClassLoader(fresh); // ServiceLoader looks for backends there
            Class<?> device = Class.forName(Device.class.getName(), true, fresh);
            Object cpu = device.getMethod("cpu").invoke(null);
            Method forDevice = Class.forName(Backends.class.getName(), true, fresh).getMethod("forDevice", device);
            System.setProperty("kiln.backend.cpu", "foo");
            for (int i = 0; i < 2; i++) { // the same clear error each time, never NoClassDefFoundError
                assertThatThrownBy(() -> forDevice.invoke(null, cpu)).isInstanceOf(InvocationTargetException.class).cause()
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kiln.backend.cpu")
                        .hasMessageContaining("'foo'").hasMessageContaining("reference");
            }
            System.clearProperty("kiln.backend.cpu");
            Object b = forDevice.invoke(null, cpu);
            assertThat(b.getClass().getName()).isEqualTo(ReferenceBackend.class.getName());
        } finally {
            t.setContextClassLoader(context);
            if (before == null) {
                System.clearProperty("kiln.backend.cpu");
            } else {
                System.setProperty("kiln.backend.cpu", before);
            }
        }
    }
}
