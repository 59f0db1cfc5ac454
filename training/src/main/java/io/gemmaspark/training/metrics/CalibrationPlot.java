package io.gemmaspark.training.metrics;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A reliability diagram as a PNG: in each bin of predicted probability, the fraction of records that are positive
 * against the bin's mean prediction. A calibrated classifier lies on the diagonal.
 */
public final class CalibrationPlot {
    private CalibrationPlot() {
    }

    /** One non-empty bin: its records' mean predicted probability and the fraction of them that are positive. */
    public record Bin(double meanPredicted, double fractionPositive, long count) {
    }

    public static void write(List<Bin> bins, String title, String file, Configuration conf) {
        XYChart chart = new XYChartBuilder().width(640).height(600).title(title)
                .xAxisTitle("mean predicted probability").yAxisTitle("fraction positive").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0);
        XYSeries diagonal = chart.addSeries("perfectly calibrated", new double[] {0, 1}, new double[] {0, 1});
        diagonal.setMarker(SeriesMarkers.NONE);
        if (!bins.isEmpty()) {
            chart.addSeries("held-out (" + bins.stream().mapToLong(Bin::count).sum() + " records)",
                    bins.stream().mapToDouble(Bin::meanPredicted).toArray(),
                    bins.stream().mapToDouble(Bin::fractionPositive).toArray());
        }
        PngCharts.write(chart, file, conf);
    }
}
