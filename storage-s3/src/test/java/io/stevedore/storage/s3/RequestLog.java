package io.stevedore.storage.s3;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Records the S3 operations a client sends (the real requests to a real S3 API, nothing mocked),
 * so tests can tell which path a store took: parts of what size, CopyObject or UploadPartCopy,
 * whether a blob was read back.
 */
final class RequestLog implements ExecutionInterceptor {

    /** One request: its operation name, key, and for UploadPart the part's size. */
    record Call(String operation, String key, Long partSize) {
    }

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        String key = request.getValueForField("Key", String.class)
                .or(() -> request.getValueForField("DestinationKey", String.class))
                .orElse(null);
        Long partSize = request instanceof UploadPartRequest part ? part.contentLength() : null;
        calls.add(new Call(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME), key, partSize));
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    List<Call> calls(String operation) {
        return calls.stream().filter(c -> c.operation().equals(operation)).toList();
    }

    void clear() {
        calls.clear();
    }
}
