package io.gemmaspark.jobs;

import io.gemmaspark.model.checkpoint.CheckpointConverter;
import io.gemmaspark.model.checkpoint.CheckpointConverter.Layout;
import io.gemmaspark.model.checkpoint.TensorDtype;
import io.gemmaspark.util.UserError;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Converts checkpoints between the Hugging Face layout (config.json + safetensors) and gemma-spark's native
 * checkpoints, and between F32, BF16 and F16, streaming one tensor chunk at a time. Runs without Spark.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Import or export Hugging Face safetensors checkpoints (hf <-> native, F32/BF16/F16).")
public final class ConvertCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--from", required = true, paramLabel = "hf|native", description = "Layout of --in.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "hf|native", description = "Layout to write.")
    String to;

    @Option(names = "--in", required = true, paramLabel = "DIR", description = "Model directory to read (any Hadoop path).")
    String in;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16|f16",
            description = "Stored dtype of the parameters written (default: ${DEFAULT-VALUE}; F32 for training).")
    String dtype;

    @Option(names = "--overwrite", description = "Replace --out if it exists.")
    boolean overwrite;

    @Override
    public Integer call() {
        if (common.out == null) {
            throw new UserError("convert: --out DIR is required");
        }
        Layout source;
        Layout target;
        TensorDtype stored;
        try {
            source = Layout.parse(from);
            target = Layout.parse(to);
            stored = TensorDtype.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new UserError("convert: " + e.getMessage());
        }
        CheckpointConverter.Result result = CheckpointConverter.convert(new Path(in), source, common.out, target, stored,
                overwrite, new Configuration(), true);
        System.out.println("convert " + lower(source) + " -> " + lower(target) + "  " + in + " -> " + result.output());
        System.out.printf(Locale.ROOT, "  model      %s: %d layers, hidden %d, %d heads (%d kv) x %d, ffn %d, vocab %d%n",
                result.model().name(), result.model().numHiddenLayers(), result.model().hiddenSize(),
                result.model().numAttentionHeads(), result.model().numKeyValueHeads(), result.model().headDim(),
                result.model().intermediateSize(), result.model().vocabSize());
        System.out.printf(Locale.ROOT, "  tensors    %d (%,d parameters) stored as %s%n", result.tensors(),
                result.parameters(), result.dtype());
        System.out.printf(Locale.ROOT, "  written    %,.1f MB in %d files: %s%n", result.bytesWritten() / 1e6,
                result.files().size(), String.join(", ", result.files()));
        System.out.printf(Locale.ROOT, "  carried    tokenizer.model %s, updater state %s%n",
                result.tokenizerCopied() ? "yes" : "none in input", result.updaterCopied() ? "yes" : "no");
        System.out.printf(Locale.ROOT, "  time       %.1f s (%,.0f MB/s of float32)%n", result.seconds(),
                result.parameters() * 4 / 1e6 / Math.max(result.seconds(), 1e-9));
        System.out.println("  report     " + new Path(result.output(), CheckpointConverter.REPORT));
        return 0;
    }

    private static String lower(Layout layout) {
        return layout.name().toLowerCase(Locale.ROOT);
    }
}
