package io.stevedore.registry.distribution;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.tomcat.TomcatContextCustomizer;
import org.springframework.stereotype.Component;

/**
 * Errors in the spec's JSON even where Tomcat answers before our servlet
 * ({@link OciErrorReportValve}), and Tomcat's own buffers sized for blobs: its 8 KiB defaults suit
 * form posts, but a registry moves megabytes per request and each refill is a system call.
 * Socket buffers stay with the kernel's autotuning (measured: fixing them gained nothing).
 * Blob GETs of local files go out by sendfile.
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
        connector.setProperty("useSendfile", "true");
    }
}
