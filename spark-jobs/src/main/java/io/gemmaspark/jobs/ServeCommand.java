package io.gemmaspark.jobs;

import io.gemmaspark.config.ConfigLoader;
import io.gemmaspark.serve.GemmaServer;
import io.gemmaspark.serve.ServeSettings;
import io.gemmaspark.serve.ServedModel;
import io.gemmaspark.util.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/gemma serve}: the OpenAI-compatible server over one model, until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model with an OpenAI-compatible HTTP API (chat and text completions, SSE streaming, "
                + "continuous batching). Configuration: conf/serve/default.yaml.")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory, native checkpoint, or checkpoint store (its latest valid checkpoint).")
    String model;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to bind (default: 127.0.0.1, from the configuration).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port (default: 8080, from the configuration).")
    Integer port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1/* (default: the variable named by api_key_env, "
                    + "GEMMA_API_KEY, when set).")
    String apiKey;

    @Option(names = "--served-model-name", paramLabel = "ID",
            description = "The model id clients use (default: the model directory's name).")
    String servedName;

    @Override
    public Integer call() throws Exception {
        List<String> overrides = new ArrayList<>(common.overrides);
        if (host != null) {
            overrides.add("host=" + host);
        }
        if (port != null) {
            overrides.add("port=" + port);
        }
        ServeSettings settings = ConfigLoader.load(common.confOr("serve/default"), ServeSettings.class, overrides);
        String key = apiKey != null ? apiKey : System.getenv(settings.apiKeyEnv());
        String id = servedName != null ? servedName : new org.apache.hadoop.fs.Path(model).getName();
        GemmaServer server = GemmaServer.start(settings, key, () -> load(id));
        System.err.printf(Locale.ROOT, "serve: listening on http://%s:%d (model %s loading; API key %s)%n",
                settings.host(), server.port(), id, key == null || key.isEmpty() ? "off" : "required");
        try {
            server.awaitReady();
        } catch (java.util.concurrent.ExecutionException e) {
            server.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        System.err.println("serve: ready; Ctrl-C stops the server");
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        try {
            Thread.currentThread().join();
        } finally {
            server.close();
        }
        return 0;
    }

    private ServedModel load(String id) {
        ModelSession session = ModelSession.open(model);
        var codec = session.requireCodec("serve");
        System.err.println("serve: " + session.describe());
        return new ServedModel(id, session.config.model(), session.decoder.tensors(), codec,
                session.config.bosTokenId(), GenerateCommand.stopIds(session));
    }
}
