package io.gemmaspark.training.sft;

import io.gemmaspark.model.chat.ChatFormatException;
import io.gemmaspark.model.chat.ChatMessage;
import io.gemmaspark.model.chat.ChatTemplate;
import io.gemmaspark.model.chat.ChatTokens;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * A fine-tuning set read from JSONL ({@link SftRecords}) and rendered with the chat template.
 *
 * <p>Bad records are named by {@code file:line}, counted by reason in the {@link DataManifest} and skipped; with
 * {@code strict} the first one fails the job. <b>Too-long policy:</b> a conversation of more than
 * {@code seq_len + 1} tokens is dropped whole (reason {@code too_long}), never truncated: truncation would cut
 * off the final {@code <end_of_turn>}, and a model trained on such rows learns not to stop.
 */
public record SftDataset(List<SftExample> examples, DataManifest manifest) {

    public static SftDataset read(String pathOrGlob, Configuration conf, ChatTemplate template, int maxTokens,
            boolean strict) {
        JsonlRecords<SftExample> read = JsonlRecords.read(pathOrGlob, conf, strict, "conversations", line -> {
            List<ChatMessage> conversation = ChatTemplate.normalize(SftRecords.parse(line.text()));
            ChatTokens tokens = template.encodeForTraining(conversation);
            if (tokens.length() > maxTokens) {
                throw new ChatFormatException("too_long", tokens.length() + " tokens, more than seq_len + 1 = "
                        + maxTokens + " (dropped, not truncated)");
            }
            return new SftExample(line.where(), conversation, tokens);
        });
        return new SftDataset(read.records(), read.manifest());
    }
}
