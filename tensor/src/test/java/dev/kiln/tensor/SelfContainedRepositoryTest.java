package dev.kiln.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The repository explains itself: no file points outside it (design notes that a clone does not
 * have), every {@code docs/...md} a file names exists, and the README's dependency snippet is the
 * one the consumer project of integration-tests builds with. Scans the working tree from the
 * repository root, skipping build output and binary files.
 */
class SelfContainedRepositoryTest {
    // split so that this file does not match itself
    private static final List<String> OUTSIDE = List.of(".." + "/shared", "/work" + "/shared", "shared" + "/spec/");
    private static final Pattern DOC_PATH = Pattern.compile("\\bdocs/(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\\.md\\b");
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", ".device", "runs", ".idea", "node_modules");
    private static final long MAX_BYTES = 4 << 20;

    private static Path root;
    private static List<Path> textFiles;

    @BeforeAll
    static void findRepository() throws IOException {
        // tests run in a module's folder (this module's, or kernels-cpu's when it reruns this test jar)
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tensor/pom.xml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                root = p;
                break;
            }
        }
        assumeTrue(root != null, "not run inside Kiln's source tree");
        textFiles = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile)
                    .filter(f -> !inSkippedDir(root.relativize(f)))
                    .filter(SelfContainedRepositoryTest::isText)
                    .forEach(textFiles::add);
        }
    }

    private static boolean inSkippedDir(Path relative) {
        for (Path part : relative) {
            if (SKIPPED_DIRS.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isText(Path f) {
        try {
            if (Files.size(f) > MAX_BYTES) {
                return false;
            }
            for (byte b : Files.readAllBytes(f)) {
                if (b == 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path f) {
        try {
            return new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void scansTheWholeTree() {
        // a guard against a walk that silently finds nothing (and so passes the tests below)
        assertThat(textFiles).extracting(f -> root.relativize(f).toString())
                .contains("README.md", "docs/DESIGN.md", "tensor/src/main/java/dev/kiln/tensor/Tensor.java");
    }

    @Test
    void noFilePointsOutsideTheRepository() {
        assertThat(linesWhere(l -> OUTSIDE.stream().anyMatch(l::contains)))
                .as("lines that point outside the repository (point at docs/ instead)").isEmpty();
    }

    /** "file:line: text" of every line of every text file that matches. */
    private List<String> linesWhere(java.util.function.Predicate<String> matches) {
        List<String> found = new ArrayList<>();
        for (Path f : textFiles) {
            List<String> lines = lines(f);
            for (int i = 0; i < lines.size(); i++) {
                if (matches.test(lines.get(i))) {
                    found.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        return found;
    }

    @Test
    void noFileHoldsAnUnresolvedMergeConflict() {
        assertThat(linesWhere(l -> l.startsWith("<<<<<<< ") || l.startsWith(">>>>>>> ")))
                .as("conflict markers left by a merge").isEmpty();
    }

    @Test
    void everyDocsPathNamedExists() {
        List<String> missing = new ArrayList<>();
        for (Path f : textFiles) {
            List<String> lines = lines(f);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = DOC_PATH.matcher(lines.get(i));
                while (m.find()) {
                    if (!Files.isRegularFile(root.resolve(m.group()))) {
                        missing.add(root.relativize(f) + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertThat(missing).as("docs/ paths that do not exist").isEmpty();
    }

    /** The (artifactId, scope) pairs of the first xml block of the README or of a pom, in order. */
    private static List<String> kilnDependencies(String xml) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(xml);
        while (m.find()) {
            String dep = m.group(1);
            Matcher a = Pattern.compile("<artifactId>(kiln-[a-z-]+)</artifactId>").matcher(dep);
            if (a.find()) {
                Matcher s = Pattern.compile("<scope>([a-z]+)</scope>").matcher(dep);
                out.add(a.group(1) + (s.find() ? " " + s.group(1) : ""));
            }
        }
        return out;
    }

    @Test
    void readmeSnippetIsTheConsumerProjects() throws IOException {
        String readme = Files.readString(root.resolve("README.md"));
        int start = readme.indexOf("```xml");
        assertThat(start).as("README has an xml snippet").isNotNegative();
        String snippet = readme.substring(start, readme.indexOf("```", start + 6));
        String consumer = Files.readString(root.resolve("integration-tests/src/it/consumer/pom.xml"));
        List<String> fromReadme = kilnDependencies(snippet);
        assertThat(fromReadme).contains("kiln-bom import", "kiln-kernels-cpu runtime");
        assertThat(fromReadme).isEqualTo(kilnDependencies(consumer));
    }
}
