/**
 * Models, data sets, checkpoints, training loops and the {@code kiln} command line
 * ({@code dev.kiln.models.Cli}). The backends are not required here: they are services, bound when
 * {@code kiln.kernels.cpu} (and {@code kiln.kernels.cuda}) are on the module path.
 */
module kiln.models {
    requires kiln.optim;
    requires kiln.tensor;
    requires com.google.gson;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires org.knowm.xchart;
    requires java.desktop;    // image grids and charts (AWT, ImageIO)
    requires java.logging;    // the CLI sets the backends' log level
    requires jdk.management;  // kiln profile: allocated bytes per thread
    requires jdk.jfr;         // kiln profile reads the per-op JFR events
    requires jdk.unsupported; // sun.misc.Signal: Ctrl-C stops training after the current step

    exports dev.kiln.models;
    exports dev.kiln.models.data;
    exports dev.kiln.models.experiments;
    exports dev.kiln.models.io;
    exports dev.kiln.models.nn;
    exports dev.kiln.models.train;
    exports dev.kiln.models.viz;
    // picocli reads the commands' @Option and @Parameters fields and methods by reflection
    opens dev.kiln.models to info.picocli;
    opens dev.kiln.models.cli to info.picocli;
}
