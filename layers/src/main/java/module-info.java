/** Layers, activations, losses, attention and initialisation on top of tensors and autograd. */
module kiln.layers {
    requires transitive kiln.autograd;

    exports dev.kiln.layers;
    exports dev.kiln.layers.activation;
    exports dev.kiln.layers.attention;
    exports dev.kiln.layers.bilinear;
    exports dev.kiln.layers.conv;
    exports dev.kiln.layers.ffn;
    exports dev.kiln.layers.kan;
    exports dev.kiln.layers.loss;
    exports dev.kiln.layers.norm;
    exports dev.kiln.layers.transformer;
}
