package io.stevedore.registry.distribution;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.stereotype.Component;

/**
 * Socket buffers sized for blobs. Tomcat's 8 KiB defaults suit form posts; a registry moves
 * megabytes per request, and each buffer refill is a system call and a trip through the stack.
 */
@Component
class TomcatTuning implements TomcatConnectorCustomizer {

    @Override
    public void customize(org.apache.catalina.connector.Connector connector) {
        connector.setProperty("socket.appReadBufSize", String.valueOf(256 * 1024));
        connector.setProperty("socket.appWriteBufSize", String.valueOf(256 * 1024));
        connector.setProperty("socket.rxBufSize", String.valueOf(1024 * 1024));
        connector.setProperty("socket.txBufSize", String.valueOf(1024 * 1024));
        connector.setProperty("useSendfile", "true");
    }
}
