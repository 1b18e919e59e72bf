package io.stevedore.registry.auth.management;

import io.stevedore.registry.api.ApiException;
import io.stevedore.registry.auth.access.Grant;
import io.stevedore.registry.auth.access.GrantStore;
import io.stevedore.registry.auth.access.Role;
import io.stevedore.registry.auth.access.WhenAuthEnabled;
import io.stevedore.registry.auth.accounts.Account;
import io.stevedore.registry.auth.accounts.Accounts;
import io.stevedore.registry.auth.accounts.Organization;
import io.stevedore.registry.auth.accounts.OrganizationStore;
import io.stevedore.registry.auth.accounts.Robot;
import io.stevedore.registry.auth.accounts.Team;
import io.stevedore.registry.auth.accounts.TeamStore;
import io.stevedore.registry.auth.accounts.User;
import io.stevedore.registry.auth.audit.AuditLog;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.LinkedHashMap;
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
 * {@code /api/v1/orgs/<org>/teams}: members of an organization see its teams; its admins create
 * and delete them, add and remove members (the organization's users, who become its members,
 * and its robots) and grant roles on one repository of the organization or on all of them.
 */
@RestController
@RequestMapping(path = "/api/v1/orgs/{org}/teams", produces = MediaType.APPLICATION_JSON_VALUE)
@WhenAuthEnabled
class TeamsApi {

    record NewTeam(String name) {
    }

    record TeamView(String name, List<String> members, List<GrantView> permissions) {
    }

    private final ApiCaller api;
    private final OrganizationsApi.Lookup lookup;
    private final OrganizationStore organizations;
    private final TeamStore teams;
    private final Accounts accounts;
    private final GrantStore grants;
    private final AuditLog audit;

    TeamsApi(ApiCaller api, OrganizationsApi.Lookup lookup, OrganizationStore organizations, TeamStore teams,
             Accounts accounts, GrantStore grants, AuditLog audit) {
        this.api = api;
        this.lookup = lookup;
        this.organizations = organizations;
        this.teams = teams;
        this.accounts = accounts;
        this.grants = grants;
        this.audit = audit;
    }

    @GetMapping
    List<TeamView> list(HttpServletRequest request, @PathVariable String org) {
        Organization organization = lookup.visible(api.user(request), org);
        return teams.list(organization.id()).stream().map(this::view).toList();
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<TeamView> create(HttpServletRequest request, @PathVariable String org, @RequestBody NewTeam body) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        String name = ApiCaller.requireName(body.name(), "team name");
        Team team = teams.create(organization.id(), name)
                .orElseThrow(() -> ApiException.conflict(org + " has a team " + name + " already"));
        record(AuditLog.TEAM_CREATED, caller, request, org, name, Map.of());
        return ResponseEntity.created(URI.create("/api/v1/orgs/" + org + "/teams/" + name)).body(view(team));
    }

    @GetMapping("/{team}")
    TeamView get(HttpServletRequest request, @PathVariable String org, @PathVariable String team) {
        Organization organization = lookup.visible(api.user(request), org);
        return view(team(organization, team));
    }

    @DeleteMapping("/{team}")
    ResponseEntity<Void> delete(HttpServletRequest request, @PathVariable String org, @PathVariable String team) {
        User caller = api.user(request);
        Team found = team(lookup.administered(caller, org), team);
        teams.delete(found.id());
        record(AuditLog.TEAM_DELETED, caller, request, org, team, Map.of());
        return ResponseEntity.noContent().build();
    }

    /** Adds a user (who becomes a member of the organization if they were not) or a robot of the organization. */
    @PutMapping("/{team}/members/{member}")
    ResponseEntity<Void> addMember(HttpServletRequest request, @PathVariable String org, @PathVariable String team,
                                   @PathVariable String member) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        Team found = team(organization, team);
        Account account = memberAccount(organization, member);
        if (account instanceof User user) {
            organizations.ensureMember(organization.id(), user.id());
        }
        teams.addMember(found.id(), account);
        record(AuditLog.TEAM_MEMBER_ADDED, caller, request, org, team, Map.of("member", member));
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{team}/members/{member}")
    ResponseEntity<Void> removeMember(HttpServletRequest request, @PathVariable String org,
                                      @PathVariable String team, @PathVariable String member) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        Team found = team(organization, team);
        if (!teams.removeMember(found.id(), memberAccount(organization, member))) {
            throw ApiException.notFound(member + " is not in team " + team);
        }
        record(AuditLog.TEAM_MEMBER_REMOVED, caller, request, org, team, Map.of("member", member));
        return ResponseEntity.noContent().build();
    }

    /** Grants the team a role on a repository of the organization, or without repository on all of them. */
    @PutMapping(path = "/{team}/permissions", consumes = MediaType.APPLICATION_JSON_VALUE)
    TeamView grant(HttpServletRequest request, @PathVariable String org, @PathVariable String team,
                   @RequestBody GrantView body) {
        User caller = api.user(request);
        Organization organization = lookup.administered(caller, org);
        Team found = team(organization, team);
        String repository = body.repository() == null ? null : ApiCaller.repositoryIn(org, body.repository());
        Role role = ApiCaller.role(body.role());
        grants.grantTeam(found.id(), new Grant(repository, role));
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("role", role.wireName());
        detail.put("on", repository == null ? "organization" : repository);
        record(AuditLog.TEAM_PERMISSION_CHANGED, caller, request, org, team, detail, repository);
        return view(found);
    }

    /** Removes the team's grant on {@code ?repository=}, or without it the one on the whole organization. */
    @DeleteMapping("/{team}/permissions")
    ResponseEntity<Void> revoke(HttpServletRequest request, @PathVariable String org, @PathVariable String team,
                                @RequestParam(required = false) String repository) {
        User caller = api.user(request);
        Team found = team(lookup.administered(caller, org), team);
        String name = repository == null ? null : ApiCaller.repositoryIn(org, repository);
        if (!grants.revokeFromTeam(found.id(), name)) {
            throw ApiException.notFound("team " + team + " has no grant on "
                    + (name == null ? "the whole organization" : name));
        }
        record(AuditLog.TEAM_PERMISSION_REMOVED, caller, request, org, team,
                Map.of("on", name == null ? "organization" : name), name);
        return ResponseEntity.noContent().build();
    }

    private Team team(Organization organization, String name) {
        return teams.find(organization.id(), name)
                .orElseThrow(() -> ApiException.notFound("no team " + name + " in " + organization.name()));
    }

    /** A user, or a robot of this organization (robots of others may not join its teams). */
    private Account memberAccount(Organization organization, String name) {
        Account account = accounts.find(name).orElseThrow(() -> ApiException.notFound("no user or robot " + name));
        if (account instanceof Robot robot && !robot.namespace().equals(organization.name())) {
            throw ApiException.badRequest("robot " + name + " is not a robot of " + organization.name());
        }
        return account;
    }

    private TeamView view(Team team) {
        return new TeamView(team.name(), teams.members(team.id()),
                grants.ofTeam(team.id()).stream().map(GrantView::of).toList());
    }

    private void record(String event, User caller, HttpServletRequest request, String org, String team,
                        Map<String, ?> detail) {
        record(event, caller, request, org, team, detail, null);
    }

    private void record(String event, User caller, HttpServletRequest request, String org, String team,
                        Map<String, ?> detail, String repository) {
        Map<String, Object> all = new LinkedHashMap<>(detail);
        all.put("organization", org);
        all.put("team", team);
        audit.record(event, caller.username(), request.getRemoteAddr(), org, repository, all);
    }
}
