package io.gemmaspark.util;

import java.util.Locale;

/**
 * A progress line for long work: done/total, throughput and ETA, redrawn in place on a terminal and printed
 * at most every few seconds otherwise (logs, CI).
 */
public final class Progress {
    private final String label;
    private final String unit;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private long lastPrintNanos;

    public Progress(String label, String unit, long total) {
        this.label = label;
        this.unit = unit;
        this.total = total;
    }

    /** Reports {@code done} units so far, with an optional extra note (e.g. "loss 3.21"). */
    public void update(long done, String note) {
        long now = System.nanoTime();
        long interval = terminal ? 200_000_000L : 5_000_000_000L;
        if (now - lastPrintNanos < interval && done < total) {
            return;
        }
        lastPrintNanos = now;
        String line = format(done, now, note);
        if (terminal) {
            System.err.print("\r" + line + "\u001b[K");
            if (done >= total) {
                System.err.println();
            }
        } else {
            System.err.println(line);
        }
    }

    public String format(long done, long nowNanos, String note) {
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        double rate = done / seconds;
        String eta = total > 0 && rate > 0 ? duration((total - done) / rate) : "?";
        String pct = total > 0 ? String.format(Locale.ROOT, " %5.1f%%", 100.0 * done / total) : "";
        return String.format(Locale.ROOT, "%s %,d/%,d %s%s  %,.1f %s/s  elapsed %s  ETA %s%s", label, done, total,
                unit, pct, rate, unit, duration(seconds), eta, note == null || note.isEmpty() ? "" : "  " + note);
    }

    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
