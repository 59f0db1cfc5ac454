package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The one bad-record policy of the instruction-tuning inputs (SFT conversations, preference pairs, RLHF prompts):
 * each JSONL line is parsed into a record; a line whose parser throws a {@link ChatFormatException} is named by
 * {@code file:line}, counted under the exception's reason in the {@link DataManifest} and skipped, or, under
 * {@code strict}, fails the job. An input with no usable record at all is an error whatever {@code strict} says.
 *
 * @param records the parsed records, in file and line order
 * @param manifest what was read, kept and dropped (by reason)
 */
public record JsonlRecords<T>(List<T> records, DataManifest manifest) {

    /** Turns one line into a record, or throws {@link ChatFormatException} with the reason to count it under. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(JsonlLines.Line line);
    }

    /** @param what the records' name in the "no usable …" error, e.g. {@code "conversations"} */
    public static <T> JsonlRecords<T> read(String pathOrGlob, Configuration conf, boolean strict, String what,
            Parser<T> parser) {
        List<T> records = new ArrayList<>();
        DataManifest manifest = DataManifest.empty();
        for (JsonlLines.Line line : JsonlLines.read(pathOrGlob, conf)) {
            try {
                records.add(parser.parse(line));
                manifest = manifest.keep();
            } catch (ChatFormatException e) {
                if (strict) {
                    throw new UserError(line.where() + ": " + e.reason() + ": " + e.getMessage()
                            + " (--strict: bad records fail the job)");
                }
                manifest = manifest.drop(line.where(), e.reason(), e.getMessage());
            }
        }
        if (records.isEmpty()) {
            throw new UserError(pathOrGlob + ": no usable " + what + " (" + manifest.describe() + ")");
        }
        return new JsonlRecords<>(records, manifest);
    }
}
