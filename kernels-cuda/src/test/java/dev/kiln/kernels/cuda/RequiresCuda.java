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
 * loaded"), so CI without a GPU stays green and says why.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@java.lang.annotation.Inherited
@ExtendWith(RequiresCuda.Condition.class)
@interface RequiresCuda {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return Cuda.isAvailable() ? ConditionEvaluationResult.enabled("CUDA device present")
                    : ConditionEvaluationResult.disabled("skipped, no CUDA device: " + Cuda.unavailableReason());
        }
    }
}
