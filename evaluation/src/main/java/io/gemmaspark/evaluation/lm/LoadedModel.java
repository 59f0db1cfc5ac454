package io.gemmaspark.evaluation.lm;

import io.gemmaspark.model.GemmaWeights;
import io.gemmaspark.model.TextCodec;
import io.gemmaspark.model.checkpoint.HfCheckpoint;
import io.gemmaspark.model.checkpoint.HfConfigJson;
import io.gemmaspark.model.decoder.GemmaDecoder;
import io.gemmaspark.model.generation.Generator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A model's weights in memory, loaded once per JVM (one Spark executor) and shared by its task threads. Each
 * thread gets its own decoder over the same parameter buffer (zero copy): a DL4J graph keeps per-call state and
 * must not be used by two threads at once, but the weights are only read.
 */
public final class LoadedModel {
    private static final Map<String, LoadedModel> CACHE = new ConcurrentHashMap<>();

    private final TextCodec codec;
    private final ThreadLocal<GemmaDecoder> decoders;
    private final ThreadLocal<Generator> generators;

    private LoadedModel(ModelFiles files, HfConfigJson.ModelConfig config, GemmaWeights weights) {
        this.codec = files.codec();
        this.decoders = ThreadLocal.withInitial(() -> GemmaDecoder.fromWeights(config.model(), weights, null));
        this.generators = ThreadLocal.withInitial(() -> new Generator(decoders.get()));
    }

    /** The model of {@code files}, read from disk on the first call in this JVM. */
    public static LoadedModel get(ModelFiles files) {
        return CACHE.computeIfAbsent(files.directory() + "#" + files.weightsSha256() + "#" + java.util.Arrays.hashCode(files.tokenizerBytes()), key -> load(files));
    }

    private static LoadedModel load(ModelFiles files) {
        Configuration conf = new Configuration();
        Path dir = new Path(files.directory());
        HfConfigJson.ModelConfig config = HfCheckpoint.readConfig(dir, conf);
        GemmaWeights weights = GemmaWeights.allocate(config.model());
        HfCheckpoint.readInto(dir, weights, conf, null);
        return new LoadedModel(files, config, weights);
    }

    /** Drops every cached model (tests that load many small models). */
    public static void clearCache() {
        CACHE.clear();
    }

    public GemmaDecoder decoder() {
        return decoders.get();
    }

    /** @param maxLength the caller's context length (the model's, unless a test or option shortens it) */
    public List<LoglikelihoodResult> score(List<TokenRequest> batch, int maxLength) {
        return new LoglikelihoodScorer(decoder(), maxLength).score(batch);
    }

    public List<String> generate(List<GenerationRequest> batch, int maxLength) {
        return new GreedyGenerator(generators.get(), codec, maxLength).generate(batch);
    }
}
