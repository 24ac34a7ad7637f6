/**
 * What a backend or the autograd engine implements or calls, and ordinary user code never names:
 * the {@link dev.kiln.tensor.spi.Backend} kernel interface with its host storage
 * ({@link dev.kiln.tensor.spi.CpuStorage}), layout helper ({@link dev.kiln.tensor.spi.Strided}),
 * op codes ({@link dev.kiln.tensor.spi.BinaryOp}, {@link dev.kiln.tensor.spi.ReduceOp},
 * {@link dev.kiln.tensor.spi.Op}) and the plain-loop {@link dev.kiln.tensor.spi.ReferenceBackend}
 * that every backend is tested against; and the {@link dev.kiln.tensor.spi.Autograd} hook that
 * {@code kiln-autograd} provides.
 *
 * <p>Left in {@code dev.kiln.tensor} on purpose: {@code Storage} ({@code Tensor.storage()} and
 * {@code Tensor.fromStorage} hand it to users, and optimizers compare storages to find shared
 * parameters), {@code GradNode} ({@code Tensor.gradFn()}), {@code UnaryOp} and {@code Activation}
 * (layers' users pass them), {@code Backends} (users list and pick backends), {@code Fused} and
 * {@code AdamConfig} (the fused optimizer step that {@code kiln-optim} calls like any user), and the
 * {@code *Ops} op families: each holds an op's forward, which {@code Tensor} calls through
 * package-private methods, next to its backward, so moving them would make every forward public.
 *
 * <p>On the module path this package is exported only to Kiln's own modules (see
 * {@code module-info.java}); a backend outside Kiln runs on the class path or adds
 * {@code --add-exports kiln.tensor/dev.kiln.tensor.spi=its.module}.
 */
package dev.kiln.tensor.spi;
