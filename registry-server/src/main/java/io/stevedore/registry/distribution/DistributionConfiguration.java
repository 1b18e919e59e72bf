package io.stevedore.registry.distribution;

import io.stevedore.registry.auth.AccessGate;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

@Configuration(proxyBeanMethods = false)
class DistributionConfiguration {

    @Bean
    ServletRegistrationBean<DistributionServlet> distributionServlet(BlobHandler blobs, UploadHandler uploads,
            ManifestHandler manifests, ListingHandler listings, ReferrersHandler referrers, AccessGate gate,
            PullThrough pullThrough) {
        ServletRegistrationBean<DistributionServlet> registration = new ServletRegistrationBean<>(
                new DistributionServlet(blobs, uploads, manifests, listings, referrers, gate, pullThrough), "/v2/*");
        registration.setName(V2PathGuard.DISTRIBUTION_SERVLET);
        registration.setLoadOnStartup(1);
        return registration;
    }

    @Bean
    FilterRegistrationBean<V2PathGuard> v2PathGuard() {
        FilterRegistrationBean<V2PathGuard> registration = new FilterRegistrationBean<>(new V2PathGuard());
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
