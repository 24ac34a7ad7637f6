/**
 * Test helpers shared through kiln-tensor's test-jar: {@link dev.kiln.tensor.testing.TestTensors}
 * makes random tensors and the same values in non-contiguous layouts (transposed, stepped,
 * broadcast), {@link dev.kiln.tensor.testing.Nd} is a plain double array with its own indexing and
 * broadcasting for writing references, {@link dev.kiln.tensor.testing.TensorAssert} compares
 * values and checks that errors name the op and what was wrong, and
 * {@link dev.kiln.tensor.testing.Json} reads the PyTorch fixtures of every module.
 */
package dev.kiln.tensor.testing;
