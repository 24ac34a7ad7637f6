/**
 * Optimizers with tensor state ({@link dev.kiln.optim.Optimizer}: {@link dev.kiln.optim.Sgd},
 * {@link dev.kiln.optim.Adam}, {@link dev.kiln.optim.AdamW}, {@link dev.kiln.optim.GaLore},
 * {@link dev.kiln.optim.Fira}, {@link dev.kiln.optim.Spam}, {@link dev.kiln.optim.Lbfgs}),
 * learning-rate schedules ({@link dev.kiln.optim.LrSchedule}, {@link dev.kiln.optim.Scheduler})
 * and gradient clipping ({@link dev.kiln.optim.ClipGrad}), following docs/formulas/optimizers.md.
 */
package dev.kiln.optim;
