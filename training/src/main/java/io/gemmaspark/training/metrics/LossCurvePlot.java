package io.gemmaspark.training.metrics;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The loss curve (training and held-out loss against tokens seen) as a PNG, written to any Hadoop path. */
public final class LossCurvePlot {
    private LossCurvePlot() {
    }

    public static void write(List<StepMetrics> history, String title, String file, Configuration conf) {
        XYChart chart = new XYChartBuilder().width(900).height(520).title(title)
                .xAxisTitle("tokens seen").yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        double[] tokens = history.stream().mapToDouble(StepMetrics::tokensSeen).toArray();
        double[] loss = history.stream().mapToDouble(StepMetrics::loss).toArray();
        if (tokens.length > 0) {
            XYSeries train = chart.addSeries("train", tokens, loss);
            train.setMarker(SeriesMarkers.NONE);
        }
        List<StepMetrics> validated = history.stream().filter(m -> m.validationLoss() != null).toList();
        if (!validated.isEmpty()) {
            chart.addSeries("held-out", validated.stream().mapToDouble(StepMetrics::tokensSeen).toArray(),
                    validated.stream().mapToDouble(StepMetrics::validationLoss).toArray());
        }
        PngCharts.write(chart, file, conf);
    }
}
