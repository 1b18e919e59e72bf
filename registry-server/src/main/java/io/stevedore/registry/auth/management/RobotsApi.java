package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.Grant;
import io.stevedore.registry.auth.access.GrantStore;
import io.stevedore.registry.auth.access.Role;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.NamespaceStore;
import io.stevedore.registry.auth.accounts.Robot;
import io.stevedore.registry.auth.accounts.RobotStore;
import io.stevedore.registry.auth.accounts.Secrets;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.login.VerifiedCredentials;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/robots}: robot accounts {@code <namespace>+<name>}, managed by whoever
 * administers the namespace (its user, its organization's admins, a site admin). The token is
 * shown when the robot is created or its token regenerated, and never again.
 */
@RestController
@RequestMapping(path = "/api/v1/robots", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class RobotsApi {
    /** What every robot token starts with, so that a leaked one is recognisable. */
    private static final String TOKEN_PREFIX = "sdr_";

    record NewRobot(String name) {
    }

    /** A robot as listed: never its token. */
    record RobotView(String name, Instant createdAt, List<GrantView> permissions, List<String> teams) {
    }

    /** The robot with its new token, shown this once. */
    record RobotSecret(String name, String token) {
    }

    private final ApiCaller api;
    private final RobotStore robots;
    private final GrantStore grants;
    private final NamespaceStore namespaces;
    private final AccessPolicy policy;
    private final VerifiedCredentials verified;
    private final AuditLog audit;

    RobotsApi(ApiCaller api, RobotStore robots, GrantStore grants, NamespaceStore namespaces, AccessPolicy policy,
              VerifiedCredentials verified, AuditLog audit) {
        this.api = api;
        this.robots = robots;
        this.grants = grants;
        this.namespaces = namespaces;
        this.policy = policy;
        this.verified = verified;
        this.audit = audit;
    }

    /** {@code {"name": "acme+ci"}}: 201 with the token. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<RobotSecret> create(HttpServletRequest request, @RequestBody NewRobot body) {
        User caller = api.user(request);
        String[] parts = RobotStore.split(body.name() == null ? "" : body.name())
                .orElseThrow(() -> ApiException.badRequest("a robot's name is <namespace>+<name>"));
        String namespace = administered(caller, parts[0]);
        String shortName = ApiCaller.requireName(parts[1], "the robot's name after '+'");
        String token = Secrets.generate(TOKEN_PREFIX);
        Robot robot = robots.create(namespace, shortName, Secrets.sha256(token))
                .orElseThrow(() -> ApiException.conflict("robot " + body.name() + " exists already"));
        record(AuditLog.ROBOT_CREATED, caller, request, robot);
        return ResponseEntity.created(URI.create("/api/v1/robots/" + robot.name()))
                .body(new RobotSecret(robot.name(), token));
    }

    @GetMapping
    List<RobotView> list(HttpServletRequest request, @RequestParam String namespace) {
        String administered = administered(api.user(request), namespace);
        return robots.list(administered).stream().map(this::view).toList();
    }

    @GetMapping("/{robot}")
    RobotView get(HttpServletRequest request, @PathVariable String robot) {
        return view(robot(api.user(request), robot));
    }

    @DeleteMapping("/{robot}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String robot) {
        User caller = api.user(request);
        Robot found = robot(caller, robot);
        robots.delete(found.id());
        verified.forget(found.name());
        record(AuditLog.ROBOT_DELETED, caller, request, found);
        return ResponseEntity.noContent().build();
    }

    /** A new token; the old one, and refresh tokens obtained with it, stop working at once. */
    @PostMapping("/{robot}/token")
    RobotSecret regenerate(HttpServletRequest request, @PathVariable String robot) {
        User caller = api.user(request);
        Robot found = robot(caller, robot);
        String token = Secrets.generate(TOKEN_PREFIX);
        robots.replaceToken(found.id(), Secrets.sha256(token));
        verified.forget(found.name());
        record(AuditLog.ROBOT_TOKEN_REGENERATED, caller, request, found);
        return new RobotSecret(found.name(), token);
    }

    /** Grants a role on one repository of the robot's namespace. */
    @PutMapping(path = "/{robot}/permissions", consumes = MediaType.APPLICATION_JSON_VALUE)
    RobotView grant(HttpServletRequest request, @PathVariable String robot, @RequestBody GrantView body) {
        User caller = api.user(request);
        Robot found = robot(caller, robot);
        String repository = ApiCaller.repositoryIn(found.namespace(), body.repository());
        Role role = ApiCaller.role(body.role());
        grants.grantRobot(found.id(), new Grant(repository, role));
        audit.record(AuditLog.ROBOT_PERMISSION_CHANGED, caller.username(), request.getRemoteAddr(),
                found.namespace(), repository, Map.of("robot", found.name(), "role", role.wireName()));
        return view(found);
    }

    @DeleteMapping("/{robot}/permissions")
    ResponseEntity<Void> revoke(HttpServletRequest request, @PathVariable String robot,
                                @RequestParam String repository) {
        User caller = api.user(request);
        Robot found = robot(caller, robot);
        String name = ApiCaller.repositoryIn(found.namespace(), repository);
        if (!grants.revokeFromRobot(found.id(), name)) {
            throw ApiException.notFound("robot " + robot + " has no grant on " + name);
        }
        audit.record(AuditLog.ROBOT_PERMISSION_REMOVED, caller.username(), request.getRemoteAddr(),
                found.namespace(), name, Map.of("robot", found.name()));
        return ResponseEntity.noContent().build();
    }

    /** The namespace, if it exists (404) and the caller administers it (403). */
    private String administered(User caller, String namespace) {
        if (!namespaces.exists(namespace)) {
            throw ApiException.notFound("no user or organization " + namespace);
        }
        if (!policy.administers(caller, namespace)) {
            throw ApiException.forbidden("only who administers " + namespace + " manages its robots");
        }
        return namespace;
    }

    private Robot robot(User caller, String name) {
        Robot robot = robots.find(name).orElseThrow(() -> ApiException.notFound("no robot " + name));
        administered(caller, robot.namespace());
        return robot;
    }

    private RobotView view(Robot robot) {
        return new RobotView(robot.name(), robot.createdAt(),
                grants.ofRobot(robot.id()).stream().map(GrantView::of).toList(), robots.teams(robot.id()));
    }

    private void record(String event, User caller, HttpServletRequest request, Robot robot) {
        audit.record(event, caller.username(), request.getRemoteAddr(), robot.namespace(), null,
                Map.of("robot", robot.name()));
    }
}
