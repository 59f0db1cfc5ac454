package io.gemmaspark.model.checkpoint;

import io.gemmaspark.util.UserError;

/**
 * A checkpoint file that is corrupt, truncated, inconsistent with its config, or otherwise unreadable. The
 * message names the file and, where one is at fault, the tensor. Training catches it to fall back to an
 * older checkpoint; the CLI prints it as one line.
 */
public class CheckpointFormatException extends UserError {
    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
