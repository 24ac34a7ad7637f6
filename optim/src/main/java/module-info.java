/** Optimizers (SGD, Adam family, ...) and learning-rate schedules over layers' parameters. */
module kiln.optim {
    requires transitive kiln.layers;

    exports dev.kiln.optim;
    exports dev.kiln.optim.experiments;
}
