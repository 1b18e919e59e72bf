package io.stevedore.registry.distribution;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.stereotype.Component;

/**
 * Errors in the spec's JSON even where Tomcat answers before our servlet ({@link OciErrorReportValve}),
 * and socket buffers sized for blobs. Tomcat's 8 KiB defaults suit form posts; a registry moves
 * megabytes per request, and each buffer refill is a system call and a trip through the stack.
 */
@Component
class TomcatTuning implements TomcatConnectorCustomizer, TomcatContextCustomizer {

    @Override
    public void customize(org.apache.catalina.Context context) {
        if (context.getParent() instanceof StandardHost host) {
            host.setErrorReportValveClass(OciErrorReportValve.class.getName());
        }
    }

    @Override
    public void customize(org.apache.catalina.connector.Connector connector) {
        connector.setProperty("socket.appReadBufSize", String.valueOf(256 * 1024));
        connector.setProperty("socket.appWriteBufSize", String.valueOf(256 * 1024));
        connector.setProperty("socket.rxBufSize", String.valueOf(1024 * 1024));
        connector.setProperty("socket.txBufSize", String.valueOf(1024 * 1024));
        connector.setProperty("useSendfile", "true");
    }
}
