package dev.kiln.kernels.cuda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class only where a CUDA device is usable; elsewhere every test is reported as
 * skipped with {@link Cuda#unavailableReason()} (e.g. "no CUDA driver: libcuda.so.1 cannot be
 * loaded"), so CI without a GPU stays green and says why. In the quick emulator run, a test
 * marked {@link SlowOnEmulator} is skipped too.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@java.lang.annotation.Inherited
@ExtendWith(RequiresCuda.Condition.class)
@interface RequiresCuda {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (!Cuda.isAvailable()) {
                return ConditionEvaluationResult.disabled("skipped, no CUDA device: " + Cuda.unavailableReason());
            }
            SlowOnEmulator slow = context.getTestMethod().map(m -> m.getAnnotation(SlowOnEmulator.class)).orElse(null);
            if (slow != null && GpuTesting.QUICK) {
                return ConditionEvaluationResult.disabled("left out of the quick emulator run (" + slow.value()
                        + "); -Pemulator runs it");
            }
            return ConditionEvaluationResult.enabled("CUDA device present");
        }
    }
}
