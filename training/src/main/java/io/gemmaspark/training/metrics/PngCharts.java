package io.gemmaspark.training.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Writes an XChart chart as a PNG to any Hadoop path: the one place plots leave the JVM. */
public final class PngCharts {
    private PngCharts() {
    }

    public static void write(Chart<?, ?> chart, String file, Configuration conf) {
        Path path = new Path(file);
        try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + file, e);
        }
    }
}
