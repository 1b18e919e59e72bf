package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.gc.GarbageCollector;
import io.stevedore.registry.gc.GcRun;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/gc}: a site admin runs garbage collection now ({@code POST}, answering what it
 * freed) and reads the recent runs ({@code GET /runs}), scheduled ones included.
 */
@RestController
@RequestMapping(path = "/api/v1/gc", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class GcApi {
    private static final int MAX_RUNS = 100;

    private final ApiCaller api;
    private final GarbageCollector collector;
    private final AuditLog audit;

    GcApi(ApiCaller api, GarbageCollector collector, AuditLog audit) {
        this.api = api;
        this.collector = collector;
        this.audit = audit;
    }

    /**
     * Runs a collection with the configured grace; {@code ?walk=true} walks the store for orphan
     * files even if a run did within registry.gc.walk-interval. 409 while one runs on any replica.
     */
    @PostMapping
    GcRun collect(HttpServletRequest request, @RequestParam(defaultValue = "false") String walk) {
        User admin = api.siteAdmin(request, "may run garbage collection");
        if (!walk.equals("true") && !walk.equals("false")) {
            throw ApiException.badRequest("walk must be true or false");
        }
        audit.record(AuditLog.GC_REQUESTED, admin.username(), request.getRemoteAddr(),
                walk.equals("true") ? Map.of("walk", "true") : Map.of());
        Optional<GcRun> run = walk.equals("true") ? collector.collectWalkingStore("api", admin.username())
                : collector.collect("api", admin.username());
        return run.orElseThrow(() -> ApiException.conflict("a garbage collection is running; see GET /api/v1/gc/runs"));
    }

    @GetMapping("/runs")
    List<GcRun> runs(HttpServletRequest request, @RequestParam(defaultValue = "20") String limit) {
        api.siteAdmin(request, "may read garbage collection runs");
        int count;
        try {
            count = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 1 || count > MAX_RUNS) {
            throw ApiException.badRequest("limit must be 1 to " + MAX_RUNS);
        }
        return collector.recentRuns(count);
    }
}
