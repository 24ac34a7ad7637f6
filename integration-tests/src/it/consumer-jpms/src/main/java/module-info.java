/** A user's application on the module path: it requires Kiln's user API and nothing of its SPI. */
module com.example.xor {
    requires kiln.optim; // brings kiln.layers, kiln.autograd and kiln.tensor (requires transitive)
}
