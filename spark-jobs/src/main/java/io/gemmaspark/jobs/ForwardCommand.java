package io.gemmaspark.jobs;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One full-sequence forward pass, writing every position's logits as JSON: for debugging and for comparing
 * against other implementations (e.g. HF transformers) on the same checkpoint.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run a forward pass over token ids and write every position's logits as JSON.")
public final class ForwardCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory, native checkpoint, or checkpoint store (its latest valid checkpoint).")
    String model;

    @Option(names = "--ids", required = true, paramLabel = "IDS", description = "Comma-separated token ids, e.g. 2,651,6037.")
    String ids;

    @Override
    public Integer call() {
        ModelSession session = ModelSession.open(model);
        int[] tokens = session.parseIds(ids, "--ids");
        long start = System.nanoTime();
        INDArray logits = session.decoder.logits(tokens);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (common.out != null) {
            Path out = new Path(common.out);
            try (OutputStream stream = out.getFileSystem(new Configuration()).create(out, true)) {
                writeJson(stream, session, tokens, logits);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + out, e);
            }
        } else {
            writeJson(System.out, session, tokens, logits);
            System.out.println();
        }
        System.err.println("forward  " + session.describe());
        System.err.printf(Locale.ROOT, "  %d positions x %d logits in %.3f s%s%n", tokens.length, logits.size(1), seconds,
                common.out == null ? "" : ", written to " + common.out);
        for (int t = 0; t < tokens.length; t++) {
            INDArray row = logits.getRow(t);
            int best = row.argMax().getInt(0);
            String piece = session.codec.map(c -> " \"" + c.decode(new int[] {best}) + "\"").orElse("");
            System.err.printf(Locale.ROOT, "  pos %3d  id %6d  -> argmax %6d%s (logit %.4f)%n", t, tokens[t], best, piece,
                    row.getFloat(best));
        }
        return 0;
    }

    /** {"model", "ids", "vocab_size", "logits": [[...] per position]}, streamed (256k floats per position). */
    private static void writeJson(OutputStream stream, ModelSession session, int[] tokens, INDArray logits) {
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(stream, JsonEncoding.UTF8)) {
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.writeStartObject();
            json.writeStringField("model", session.dir.toString());
            json.writeFieldName("ids");
            json.writeArray(tokens, 0, tokens.length);
            json.writeNumberField("vocab_size", logits.size(1));
            json.writeFieldName("logits");
            json.writeStartArray();
            for (int t = 0; t < tokens.length; t++) {
                float[] row = logits.getRow(t).toFloatVector();
                json.writeStartArray();
                for (float v : row) {
                    json.writeNumber(v);
                }
                json.writeEndArray();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
