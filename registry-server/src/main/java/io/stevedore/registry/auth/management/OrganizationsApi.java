package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.AccessPolicy;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.NamespaceStore;
import io.stevedore.registry.auth.accounts.Organization;
import io.stevedore.registry.auth.accounts.OrganizationMember;
import io.stevedore.registry.auth.accounts.OrganizationStore;
import io.stevedore.registry.auth.accounts.Team;
import io.stevedore.registry.auth.accounts.TeamStore;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.accounts.UserStore;
import io.stevedore.registry.auth.audit.AuditLog;
import io.stevedore.registry.auth.login.VerifiedCredentials;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/orgs}: any user creates an organization and becomes its admin; members see it
 * (others get 404, as if it did not exist); its admins manage members and delete it.
 */
@RestController
@RequestMapping(path = "/api/v1/orgs", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class OrganizationsApi {

    record NewOrganization(String name) {
    }

    record MemberChange(Boolean admin) {
    }

    record MemberView(String username, boolean admin) {
        static MemberView of(OrganizationMember member) {
            return new MemberView(member.username(), member.admin());
        }
    }

    record OrganizationView(String name, Instant createdAt, List<MemberView> members, List<String> teams) {
    }

    record OrganizationSummary(String name, Instant createdAt) {
        static OrganizationSummary of(Organization organization) {
            return new OrganizationSummary(organization.name(), organization.createdAt());
        }
    }

    /** Finding an organization as a caller sees it; shared with the teams API. */
    @Component
    @WhenAuthEnabled
    static class Lookup {
        private final OrganizationStore organizations;
        private final AccessPolicy policy;

        Lookup(OrganizationStore organizations, AccessPolicy policy) {
            this.organizations = organizations;
            this.policy = policy;
        }

        /** The organization, if the user is a member or a site admin; 404 otherwise. */
        Organization visible(User user, String name) {
            Organization organization = organizations.find(name).orElseThrow(() -> noSuchOrganization(name));
            if (!user.admin() && organizations.member(organization.id(), user.id()).isEmpty()) {
                throw noSuchOrganization(name);
            }
            return organization;
        }

        /** The organization, if the user is one of its admins or a site admin; 403 for other members. */
        Organization administered(User user, String name) {
            Organization organization = visible(user, name);
            if (!policy.administers(user, organization.name())) {
                throw ApiException.forbidden("only an admin of " + name + " changes it");
            }
            return organization;
        }

        private static ApiException noSuchOrganization(String name) {
            return ApiException.notFound("no organization " + name);
        }
    }

    private final ApiCaller api;
    private final Lookup lookup;
    private final OrganizationStore organizations;
    private final TeamStore teams;
    private final UserStore users;
    private final NamespaceStore namespaces;
    private final VerifiedCredentials verified;
    private final AuditLog audit;

    OrganizationsApi(ApiCaller api, Lookup lookup, OrganizationStore organizations, TeamStore teams,
                     UserStore users, NamespaceStore namespaces, VerifiedCredentials verified, AuditLog audit) {
        this.api = api;
        this.lookup = lookup;
        this.organizations = organizations;
        this.teams = teams;
        this.users = users;
        this.namespaces = namespaces;
        this.verified = verified;
        this.audit = audit;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<OrganizationView> create(HttpServletRequest request, @RequestBody NewOrganization body) {
        User caller = api.user(request);
        String name = ApiCaller.requireName(body.name(), "name");
        Organization created = organizations.create(name, caller.id()).orElseThrow(() ->
                ApiException.conflict("a user or organization " + name + " already exists"));
        audit.record(AuditLog.ORGANIZATION_CREATED, caller.username(), request.getRemoteAddr(), name, null,
                Map.of("organization", name));
        return ResponseEntity.created(URI.create("/api/v1/orgs/" + name)).body(view(created));
    }

    /** A site admin sees every organization, anyone else those they are a member of. */
    @GetMapping
    List<OrganizationSummary> list(HttpServletRequest request) {
        User caller = api.user(request);
        List<Organization> visible = caller.admin() ? organizations.list() : organizations.listOf(caller.id());
        return visible.stream().map(OrganizationSummary::of).toList();
    }

    @GetMapping("/{org}")
    OrganizationView get(HttpServletRequest request, @PathVariable String org) {
        return view(lookup.visible(api.user(request), org));
    }

    /** Refused while the namespace holds images: whoever took the name next would own them. */
    @DeleteMapping("/{org}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String org) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        if (namespaces.holdsImages(organization.name())) {
            throw ApiException.conflict("organization " + org + " still holds images; delete them first");
        }
        organizations.delete(organization.name());
        verified.forgetNamespace(organization.name());
        audit.record(AuditLog.ORGANIZATION_DELETED, caller.username(), request.getRemoteAddr(), org, null,
                Map.of("organization", org));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/{org}/members")
    List<MemberView> members(HttpServletRequest request, @PathVariable String org) {
        Organization organization = lookup.visible(api.user(request), org);
        return organizations.members(organization.id()).stream().map(MemberView::of).toList();
    }

    /** Adds a user, or makes a member an admin or not ({@code {"admin": true}}); the last admin stays one. */
    @PutMapping(path = "/{org}/members/{username}", consumes = MediaType.APPLICATION_JSON_VALUE)
    MemberView putMember(HttpServletRequest request, @PathVariable String org, @PathVariable String username,
                         @RequestBody MemberChange body) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        User user = users.find(username).orElseThrow(() -> ApiException.notFound("no user " + username));
        boolean admin = Boolean.TRUE.equals(body.admin());
        boolean wasAdmin = organizations.member(organization.id(), user.id()).map(OrganizationMember::admin)
                .orElse(false);
        if (wasAdmin && !admin && organizations.adminCount(organization.id()) == 1) {
            throw ApiException.conflict(username + " is the last admin of " + org);
        }
        organizations.putMember(organization.id(), user.id(), admin);
        audit.record(AuditLog.MEMBER_CHANGED, caller.username(), request.getRemoteAddr(), org, null,
                Map.of("organization", org, "member", username, "admin", admin));
        return new MemberView(username, admin);
    }

    /** Removes a member from the organization and its teams; the last admin stays. */
    @DeleteMapping("/{org}/members/{username}")
    ResponseEntity<Void> removeMember(HttpServletRequest request, @PathVariable String org,
                                      @PathVariable String username) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        User user = users.find(username).orElseThrow(() -> ApiException.notFound("no user " + username));
        OrganizationMember member = organizations.member(organization.id(), user.id())
                .orElseThrow(() -> ApiException.notFound(username + " is not a member of " + org));
        if (member.admin() && organizations.adminCount(organization.id()) == 1) {
            throw ApiException.conflict(username + " is the last admin of " + org);
        }
        organizations.removeMember(organization.id(), user.id());
        audit.record(AuditLog.MEMBER_REMOVED, caller.username(), request.getRemoteAddr(), org, null,
                Map.of("organization", org, "member", username));
        return ResponseEntity.noContent().build();
    }

    private OrganizationView view(Organization organization) {
        return new OrganizationView(organization.name(), organization.createdAt(),
                organizations.members(organization.id()).stream().map(MemberView::of).toList(),
                teams.list(organization.id()).stream().map(Team::name).toList());
    }
}
