package dev.kiln.models.viz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageGridTest {
    @TempDir
    Path dir;

    @Test
    void drawsSignsInADivergingMap() throws IOException {
        float[] a = {1, -1, 0, 0.5f};
        float[] b = {0, 0, 0, 0};
        Path png = dir.resolve("g.png");
        ImageGrid.write(png, List.of(new ImageGrid.Panel(a, "a"), new ImageGrid.Panel(b, "b"), new ImageGrid.Panel(a, "c")),
                2, 2, 2, 10);
        BufferedImage img = ImageIO.read(png.toFile());
        // 2 columns of (2·10 + 6) plus padding; 2 rows of (2·10 + 16 + 6) plus padding
        assertThat(img.getWidth()).isEqualTo(6 + 2 * 26);
        assertThat(img.getHeight()).isEqualTo(6 + 2 * 42);
        int x0 = 6;
        int y0 = 6 + 16;
        assertThat(new Color(img.getRGB(x0 + 5, y0 + 5))).isEqualTo(new Color(255, 0, 0));     // +1: red
        assertThat(new Color(img.getRGB(x0 + 15, y0 + 5))).isEqualTo(new Color(0, 0, 255));    // -1: blue
        assertThat(new Color(img.getRGB(x0 + 5, y0 + 15))).isEqualTo(Color.WHITE);             // 0: white
        assertThat(new Color(img.getRGB(x0 + 15, y0 + 15)).getGreen()).isBetween(126, 129);   // +0.5: half
        assertThatThrownBy(() -> ImageGrid.write(png, List.of(new ImageGrid.Panel(new float[3], "x")), 2, 2, 1, 1))
                .hasMessageContaining("3 values");
    }
}
