package io.gemmaspark.training.rlhf;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** The RLHF curves (mean reward, KL, EOS rate, entropy per round) as one PNG on any Hadoop path. */
public final class RlhfCurves {
    private RlhfCurves() {
    }

    public static void write(List<RoundMetrics> rounds, String title, String file, Configuration conf) {
        XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("round").build();
        double[] x = rounds.stream().mapToDouble(RoundMetrics::round).toArray();
        if (x.length > 0) {
            chart.addSeries("mean reward", x, rounds.stream().mapToDouble(RoundMetrics::rewardMean).toArray());
            chart.addSeries("KL", x, rounds.stream().mapToDouble(RoundMetrics::kl).toArray());
            chart.addSeries("EOS rate", x, rounds.stream().mapToDouble(RoundMetrics::eosRate).toArray());
            chart.addSeries("entropy", x, rounds.stream().mapToDouble(RoundMetrics::entropy).toArray());
        }
        Path path = new Path(file);
        try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
