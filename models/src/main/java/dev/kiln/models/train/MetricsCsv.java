package dev.kiln.models.train;

import java.io.BufferedWriter;
import dev.kiln.models.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Writes metrics as CSV next to the run's other outputs: {@code train.csv} (one row per step:
 * step, epoch, loss, lr, items_per_s, elapsed_s) and {@code eval.csv} (one row per evaluation:
 * step, epoch, then the evaluator's metrics). Rows are flushed as they come. On a resumed run,
 * rows past the resumed step (written after the last checkpoint of the interrupted run) are
 * dropped first, so the files describe one consistent trajectory. Each file is first replaced
 * atomically and then appended to without following symlinks, so a link planted in the output
 * folder never redirects the writes.
 */
public final class MetricsCsv implements TrainCallback {
    public static final String TRAIN = "train.csv";
    public static final String EVAL = "eval.csv";
    private static final String TRAIN_HEADER = "step,epoch,loss,lr,items_per_s,elapsed_s";

    private final Path dir;
    private BufferedWriter train;
    private BufferedWriter eval;
    private List<String> evalColumns;

    public MetricsCsv(Path dir) {
        this.dir = dir;
    }

    @Override
    public void onStart(Trainer trainer) {
        try {
            Files.createDirectories(dir);
            train = open(dir.resolve(TRAIN), TRAIN_HEADER, trainer.step());
            Path e = dir.resolve(EVAL);
            if (Files.exists(e) && trainer.step() > 0) {
                List<String> lines = Files.readAllLines(e, StandardCharsets.UTF_8);
                if (!lines.isEmpty()) {
                    String[] cols = lines.get(0).split(",");
                    evalColumns = List.of(cols).subList(2, cols.length);
                    eval = open(e, lines.get(0), trainer.step());
                }
            } else {
                Files.deleteIfExists(e);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("MetricsCsv: cannot write metrics in " + dir, ex);
        }
    }

    /** Opens for appending after keeping the header and the rows with step <= keepUpTo (all rows dropped when 0). */
    private static BufferedWriter open(Path p, String header, long keepUpTo) throws IOException {
        List<String> keep = new ArrayList<>();
        keep.add(header);
        if (keepUpTo > 0 && Files.exists(p)) {
            List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                int comma = line.indexOf(',');
                try {
                    if (comma > 0 && Long.parseLong(line.substring(0, comma)) <= keepUpTo) {
                        keep.add(line);
                    }
                } catch (NumberFormatException ignored) {
                    // a torn last line from a crash: dropped
                }
            }
        }
        return rewrite(p, keep);
    }

    /**
     * Replaces the file with these lines (atomically, so a symlink planted at its name is replaced,
     * not followed) and opens it for appending without following links.
     */
    private static BufferedWriter rewrite(Path p, List<String> lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append(System.lineSeparator());
        }
        AtomicFiles.write(p, sb.toString().getBytes(StandardCharsets.UTF_8));
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(p, StandardOpenOption.APPEND,
                LinkOption.NOFOLLOW_LINKS), StandardCharsets.UTF_8));
    }

    @Override
    public void onStep(Trainer trainer, StepEvent e) {
        write(train, String.format(Locale.ROOT, "%d,%d,%.7g,%.6g,%.1f,%.3f", e.step(), e.epoch(), e.loss(), e.lr(),
                e.itemsPerSecond(), e.elapsedSeconds()));
    }

    @Override
    public void onEval(Trainer trainer, EvalEvent e) {
        try {
            if (eval == null) {
                // sorted: the same columns in the same order whatever map the evaluator returns
                evalColumns = List.copyOf(new TreeSet<>(e.metrics().keySet()));
                eval = rewrite(dir.resolve(EVAL), List.of("step,epoch," + String.join(",", evalColumns)));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        StringBuilder sb = new StringBuilder().append(e.step()).append(',').append(e.epoch());
        for (String c : evalColumns) {
            Double v = e.metrics().get(c);
            sb.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%.7g", v));
        }
        write(eval, sb.toString());
    }

    private static void write(BufferedWriter w, String line) {
        try {
            w.write(line);
            w.newLine();
            w.flush();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void onEnd(Trainer trainer) {
        try {
            if (train != null) {
                train.close();
            }
            if (eval != null) {
                eval.close();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            train = null;
            eval = null;
        }
    }

    /** Reads a metrics file back: column name to values (empty cells are NaN). */
    public static Map<String, double[]> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        if (lines.isEmpty()) {
            return out;
        }
        String[] cols = lines.get(0).split(",");
        int rows = lines.size() - 1;
        double[][] v = new double[cols.length][rows];
        for (int r = 0; r < rows; r++) {
            String[] cells = lines.get(r + 1).split(",", -1);
            for (int c = 0; c < cols.length; c++) {
                v[c][r] = c < cells.length && !cells[c].isEmpty() ? Double.parseDouble(cells[c]) : Double.NaN;
            }
        }
        for (int c = 0; c < cols.length; c++) {
            out.put(cols[c], v[c]);
        }
        return out;
    }
}
