package dev.kiln.models.viz;

import dev.kiln.models.io.AtomicFiles;
import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws small images (e.g. 28×28 eigenvectors of a bilinear layer) side by side in a PNG, each
 * with its caption, in a diverging colour map: blue for negative, white for 0, red for positive,
 * scaled per image by its largest |value| (so the sign pattern is what one reads, as in the
 * bilinear-MLP paper's figures).
 */
public final class ImageGrid {
    /** One panel: row-major values of a height×width image and its caption. */
    public record Panel(float[] values, String caption) {
    }

    private ImageGrid() {
    }

    /** Writes the panels in rows of {@code columns}, each pixel drawn as a {@code scale}×{@code scale} block. */
    public static void write(Path png, List<Panel> panels, int height, int width, int columns, int scale) throws IOException {
        if (panels.isEmpty() || height < 1 || width < 1 || columns < 1 || scale < 1) {
            throw new IllegalArgumentException("ImageGrid.write: need panels and positive sizes, got " + panels.size()
                    + " panels, " + height + "x" + width + ", " + columns + " columns, scale " + scale);
        }
        for (Panel p : panels) {
            if (p.values().length != height * width) {
                throw new IllegalArgumentException("ImageGrid.write: panel '" + p.caption() + "' has " + p.values().length
                        + " values, not " + height + "x" + width);
            }
        }
        System.setProperty("java.awt.headless", "true");
        int caption = 16;
        int pad = 6;
        int cellW = width * scale + pad;
        int cellH = height * scale + caption + pad;
        int rows = (panels.size() + columns - 1) / columns;
        int cols = Math.min(columns, panels.size());
        BufferedImage img = new BufferedImage(cols * cellW + pad, rows * cellH + pad, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i < panels.size(); i++) {
            Panel p = panels.get(i);
            int x0 = pad + (i % columns) * cellW;
            int y0 = pad + (i / columns) * cellH;
            g.setColor(Color.DARK_GRAY);
            g.drawString(p.caption(), x0, y0 + caption - 4);
            float max = 0;
            for (float v : p.values()) {
                if (Float.isFinite(v)) {
                    max = Math.max(max, Math.abs(v));
                }
            }
            for (int r = 0; r < height; r++) {
                for (int c = 0; c < width; c++) {
                    float v = p.values()[r * width + c];
                    g.setColor(diverging(max == 0 ? 0 : v / max));
                    g.fillRect(x0 + c * scale, y0 + caption + r * scale, scale, scale);
                }
            }
        }
        g.dispose();
        AtomicFiles.writeStream(png, os -> {
            if (!ImageIO.write(img, "png", os)) {
                throw new IOException("ImageGrid.write: no PNG writer available");
            }
        });
    }

    /** t in [-1, 1] to blue–white–red; NaN is grey. */
    static Color diverging(float t) {
        if (Float.isNaN(t)) {
            return Color.GRAY;
        }
        float a = Math.min(1f, Math.abs(t));
        int fade = Math.round(255 * (1 - a));
        return t >= 0 ? new Color(255, fade, fade) : new Color(fade, fade, 255);
    }
}
