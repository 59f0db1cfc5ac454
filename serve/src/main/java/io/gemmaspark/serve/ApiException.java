package io.gemmaspark.serve;

/**
 * A request that ends in an OpenAI error envelope, {@code {"error":{"message","type","param","code"}}}, with its
 * HTTP status.
 */
public final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;

    public ApiException(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: the request is wrong; {@code param} names the field. */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    static ApiException wrongType(String param, String expected) {
        return new ApiException(400, "invalid_request_error", param, "invalid_type",
                "'" + param + "' must be " + expected);
    }
}
