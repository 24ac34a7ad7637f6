package dev.kiln.models.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The values a numeric flag accepts. {@link FlagChecks} checks every flag of the command being
 * run against its range before the command starts, so a bad value is one line naming the flag
 * instead of a failure deep inside the run. Array and list flags are checked element by element;
 * floating-point values must also be finite.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface Range {
    double min() default Double.NEGATIVE_INFINITY;

    double max() default Double.POSITIVE_INFINITY;

    /** The value must be above {@link #min}, not equal to it. */
    boolean minExclusive() default false;

    /** The value must be below {@link #max}, not equal to it. */
    boolean maxExclusive() default false;

    // shared bounds, so similar flags agree
    double WIDTH = 65_536;
    double BATCH = 1_000_000;
    double LAYERS = 1_024;
    double CONTEXT = 65_536;
    double STEPS = 1e12;
    double INT_MAX = Integer.MAX_VALUE;
    double LR = 100;
}
