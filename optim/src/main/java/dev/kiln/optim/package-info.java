/** Optimizer, AdamW, GaLore, Spam, Sgd; learning-rate schedules; gradient clipping (not built yet). */
package dev.kiln.optim;
