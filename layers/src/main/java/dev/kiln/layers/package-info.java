/** Module, Parameter, initialisers; Linear, Embedding, activations, norms, attention, bilinear, KAN, transformer blocks (not built yet). */
package dev.kiln.layers;
