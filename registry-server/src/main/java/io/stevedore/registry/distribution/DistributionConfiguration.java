package io.stevedore.registry.distribution;

import io.stevedore.registry.auth.AccessGate;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class DistributionConfiguration {

    @Bean
    ServletRegistrationBean<DistributionServlet> distributionServlet(BlobHandler blobs, UploadHandler uploads,
            ManifestHandler manifests, ListingHandler listings, ReferrersHandler referrers, AccessGate gate,
            PullThrough pullThrough) {
        ServletRegistrationBean<DistributionServlet> registration = new ServletRegistrationBean<>(
                new DistributionServlet(blobs, uploads, manifests, listings, referrers, gate, pullThrough), "/v2/*");
        registration.setName("distribution");
        registration.setLoadOnStartup(1);
        return registration;
    }
}
