package io.gemmaspark.jobs.demo;

import io.gemmaspark.config.Default;
import java.util.List;

/**
 * Settings of {@code bin/gemma demo} ({@code conf/pipeline/demo.yaml}).
 *
 * @param out     directory under which each stage writes its output
 * @param inputs  raw corpora (files, directories or globs; any Hadoop path)
 * @param filters filter configuration, a path or a name under conf/
 * @param model   model preset, a path or a name under conf/
 * @param pretrain pretraining configuration, a path or a name under conf/ (its data is the demo's token shards)
 */
public record DemoConfig(
        String out,
        @Default("local[*]") String master,
        List<String> inputs,
        String filters,
        String model,
        @Default("pretrain/tiny") String pretrain) {
}
