package dev.kiln.optim;

/**
 * The settings of one parameter group ({@link ParamGroup#settings()}): every optimizer's group
 * settings have a learning rate, which schedulers change through {@link #withLr}.
 *
 * @param <S> the record type itself
 */
public interface GroupSettings<S extends GroupSettings<S>> extends Settings {
    double lr();

    /** A copy with this learning rate. */
    S withLr(double lr);
}
