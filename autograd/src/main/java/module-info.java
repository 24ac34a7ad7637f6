/** Reverse-mode autograd: graph recording, one derivative per op, no-grad scopes, gradient checks. */
module kiln.autograd {
    requires transitive kiln.tensor;

    exports dev.kiln.autograd;

    provides dev.kiln.tensor.spi.Autograd with dev.kiln.autograd.Engine;
}
