package io.gemmaspark.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gemmaspark.util.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensors of one model in a directory, as Hugging Face stores them: either {@code NAME.safetensors}, or
 * shards listed by {@code NAME.safetensors.index.json} ({@code {"metadata": {"total_size": N}, "weight_map":
 * {tensor: shard file}}}). Reading checks that the index and the shards agree; writing splits into shards of
 * at most {@code maxShardBytes} (a single tensor larger than that gets a shard of its own).
 */
public final class SafetensorsSet implements AutoCloseable {
    private final String location;
    private final List<SafetensorsFile> files;
    private final LinkedHashMap<String, SafetensorsFile> fileOf;

    private SafetensorsSet(String location, List<SafetensorsFile> files, LinkedHashMap<String, SafetensorsFile> fileOf) {
        this.location = location;
        this.files = files;
        this.fileOf = fileOf;
    }

    public static String singleFileName(String baseName) {
        return baseName + ".safetensors";
    }

    public static String indexFileName(String baseName) {
        return baseName + ".safetensors.index.json";
    }

    /** True when {@code dir} holds {@code baseName} tensors in either form. */
    public static boolean exists(Path dir, String baseName, Configuration conf) {
        return CheckpointFiles.exists(new Path(dir, indexFileName(baseName)), conf)
                || CheckpointFiles.exists(new Path(dir, singleFileName(baseName)), conf);
    }

    public static SafetensorsSet open(Path dir, String baseName, Configuration conf) {
        Path index = new Path(dir, indexFileName(baseName));
        if (CheckpointFiles.exists(index, conf)) {
            return openSharded(index, conf);
        }
        Path single = new Path(dir, singleFileName(baseName));
        if (!CheckpointFiles.exists(single, conf)) {
            throw new CheckpointFormatException(dir + ": neither " + singleFileName(baseName) + " nor "
                    + indexFileName(baseName) + " is there");
        }
        SafetensorsFile file = SafetensorsFile.open(single, conf);
        LinkedHashMap<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        file.tensors().keySet().forEach(name -> fileOf.put(name, file));
        return new SafetensorsSet(single.toString(), List.of(file), fileOf);
    }

    private static SafetensorsSet openSharded(Path index, Configuration conf) {
        JsonNode weightMap;
        try {
            weightMap = Json.MAPPER.readTree(CheckpointFiles.readString(index, conf)).path("weight_map");
        } catch (IOException e) {
            throw new CheckpointFormatException(index + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw new CheckpointFormatException(index + ": no weight_map object naming each tensor's shard");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        LinkedHashMap<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> mapping : (Iterable<Map.Entry<String, JsonNode>>) weightMap::fields) {
                String shardName = mapping.getValue().asText();
                if (shardName.isEmpty() || shardName.contains("/") || shardName.contains("..")) {
                    throw new CheckpointFormatException(index + ": tensor " + mapping.getKey()
                            + " maps to an invalid shard name " + mapping.getValue());
                }
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = new Path(index.getParent(), shardName);
                    if (!CheckpointFiles.exists(shardPath, conf)) {
                        throw new CheckpointFormatException(index + ": tensor " + mapping.getKey() + " is in shard "
                                + shardName + ", which is missing");
                    }
                    shard = SafetensorsFile.open(shardPath, conf);
                    shards.put(shardName, shard);
                }
                if (!shard.tensors().containsKey(mapping.getKey())) {
                    throw new CheckpointFormatException(index + ": tensor " + mapping.getKey() + " should be in "
                            + shardName + " but that shard does not hold it");
                }
                fileOf.put(mapping.getKey(), shard);
            }
            for (SafetensorsFile shard : shards.values()) {
                for (String name : shard.tensors().keySet()) {
                    if (!fileOf.containsKey(name)) {
                        throw new CheckpointFormatException(shard.location() + ": tensor " + name
                                + " is not listed in " + index.getName());
                    }
                }
            }
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsSet(index.toString(), new ArrayList<>(shards.values()), fileOf);
    }

    public String location() {
        return location;
    }

    /** Every tensor's header entry, in index (or header) order. */
    public LinkedHashMap<String, TensorEntry> tensors() {
        LinkedHashMap<String, TensorEntry> entries = new LinkedHashMap<>();
        fileOf.forEach((name, file) -> entries.put(name, file.entry(name)));
        return entries;
    }

    public LinkedHashMap<String, long[]> shapes() {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        fileOf.forEach((name, file) -> shapes.put(name, file.entry(name).shape()));
        return shapes;
    }

    public boolean contains(String name) {
        return fileOf.containsKey(name);
    }

    public void readInto(String name, INDArray destination) {
        file(name).readInto(name, destination);
    }

    public TensorSource source(String name) {
        return file(name).source(name);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile file = fileOf.get(name);
        if (file == null) {
            throw new CheckpointFormatException(location + ": missing tensor " + name);
        }
        return file;
    }

    /**
     * Writes {@code tensors} to {@code dir} as {@code baseName.safetensors}, or, when they exceed
     * {@code maxShardBytes}, as {@code baseName-0000i-of-0000n.safetensors} shards plus an index.
     *
     * @return the names of the files written
     */
    public static List<String> write(Path dir, String baseName, Map<String, ? extends TensorSource> tensors,
                                     TensorDtype dtype, long maxShardBytes, Configuration conf) {
        List<LinkedHashMap<String, TensorSource>> shards = new ArrayList<>();
        LinkedHashMap<String, TensorSource> current = new LinkedHashMap<>();
        long currentBytes = 0;
        for (Map.Entry<String, ? extends TensorSource> tensor : tensors.entrySet()) {
            long bytes = tensor.getValue().elementCount() * dtype.bytes();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(tensor.getKey(), tensor.getValue());
            currentBytes += bytes;
        }
        shards.add(current);
        if (shards.size() == 1) {
            SafetensorsWriter.write(new Path(dir, singleFileName(baseName)), current, dtype, Map.of(), conf);
            return List.of(singleFileName(baseName));
        }
        List<String> written = new ArrayList<>();
        ObjectNode index = Json.MAPPER.createObjectNode();
        ObjectNode weightMap = Json.MAPPER.createObjectNode();
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String shardName = String.format("%s-%05d-of-%05d.safetensors", baseName, i + 1, shards.size());
            SafetensorsWriter.write(new Path(dir, shardName), shards.get(i), dtype, Map.of(), conf);
            totalSize += SafetensorsWriter.dataBytes(shards.get(i), dtype);
            shards.get(i).keySet().forEach(name -> weightMap.put(name, shardName));
            written.add(shardName);
        }
        index.putObject("metadata").put("total_size", totalSize);
        index.set("weight_map", weightMap);
        CheckpointFiles.writeString(new Path(dir, indexFileName(baseName)), Json.pretty(index) + "\n", conf);
        written.add(indexFileName(baseName));
        return written;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }

    public List<String> fileLocations() {
        return Collections.unmodifiableList(files.stream().map(SafetensorsFile::location).toList());
    }
}
