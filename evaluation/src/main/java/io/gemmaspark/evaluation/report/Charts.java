package io.gemmaspark.evaluation.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's plots as PNG data URIs, so that report.html is one self-contained file. */
final class Charts {
    private Charts() {
    }

    /** Training loss against tokens seen, one line per checkpoint's run. */
    static String lossCurves(Map<String, LossHistory> runs) {
        XYChart chart = new XYChartBuilder().width(720).height(380).title("training loss")
                .xAxisTitle("tokens seen").yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        runs.forEach((name, h) -> {
            XYSeries s = chart.addSeries(name, h.tokensSeen(), h.loss());
            s.setMarker(SeriesMarkers.NONE);
        });
        return dataUri(chart);
    }

    /** One task's metrics across checkpoints, in the order given (pretrained, SFT, RLHF ...). */
    static String metricsAcrossCheckpoints(String task, List<String> checkpoints, Map<String, List<Double>> metrics) {
        CategoryChart chart = new CategoryChartBuilder().width(560).height(340).title(task).xAxisTitle("checkpoint")
                .yAxisTitle("value").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        metrics.forEach((metric, values) -> chart.addSeries(metric, checkpoints,
                values.stream().map(v -> v == null || v.isNaN() || v.isInfinite() ? 0.0 : v).toList()));
        return dataUri(chart);
    }

    private static String dataUri(Chart<?, ?> chart) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
