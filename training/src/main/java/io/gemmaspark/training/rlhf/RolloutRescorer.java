package io.gemmaspark.training.rlhf;

import io.gemmaspark.model.decoder.GemmaDecoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * Log-probabilities of the reply tokens of rollouts under the broadcast (updated) policy, in partition order: the
 * numerators of PPO's ratio on the second and later passes over one batch of samples.
 */
final class RolloutRescorer implements FlatMapFunction<Iterator<Rollout>, double[]> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<ShippedModel> policy;

    RolloutRescorer(Broadcast<ShippedModel> policy) {
        this.policy = policy;
    }

    @Override
    public Iterator<double[]> call(Iterator<Rollout> partition) {
        List<double[]> out = new ArrayList<>();
        GemmaDecoder pi = null;
        while (partition.hasNext()) {
            Rollout r = partition.next();
            pi = pi == null ? GemmaDecoder.of(policy.value().graph()) : pi;
            out.add(PolicySamples.score(pi, r.sequence, r.promptLength)[0]);
        }
        return out.iterator();
    }
}
