package io.stevedore.registry;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The architecture's rules, checked on the production classes of every module (this module's
 * test classpath holds them all: registry-core, registry-client, storage-fs, storage-s3,
 * build-service and the server). docs/architecture.md explains them.
 */
class ArchitectureTest {

    private static final String BUILD_SERVICE = "io.stevedore.builder..";
    private static final String[] CONCRETE_STORES = {"io.stevedore.storage.fs..", "io.stevedore.storage.s3.."};

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")) // test-jars outside the reactor
            .importPackages("io.stevedore");

    @Test
    void buildServiceUsesNeitherTheServerNorStorage() {
        noClasses().that().resideInAPackage(BUILD_SERVICE)
                .should().dependOnClassesThat().resideInAnyPackage("io.stevedore.registry..", "io.stevedore.storage..")
                .because("build-service talks to the registry over HTTP only (the client and the worker API), "
                        + "so builds and workers run as separate, privileged processes, on other machines too")
                .check(CLASSES);
    }

    @Test
    void onlyTheStorageWiringKnowsConcreteStores() {
        noClasses().that().resideInAPackage("io.stevedore.registry..")
                .and().resideOutsideOfPackage("io.stevedore.registry.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(CONCRETE_STORES)
                .because("only the storage wiring (io.stevedore.registry.storage) knows which store is in use; "
                        + "distribution, builds and the rest see BlobStore and the optional capabilities a store "
                        + "implements (LocalFiles, Redirects, StaleUploads)")
                .check(CLASSES);
    }

    @Test
    void theClientUsesNoStorage() {
        noClasses().that().resideInAPackage("io.stevedore.client..")
                .should().dependOnClassesThat().resideInAnyPackage("io.stevedore.storage..", "io.stevedore.registry..")
                .because("the client speaks the OCI distribution API over HTTP; it shares the OCI model with the "
                        + "registry, not its storage or its server")
                .check(CLASSES);
    }

    @Test
    void theStorageSpiAndTheModelKnowNoConcreteStore() {
        noClasses().that().resideInAnyPackage("io.stevedore.oci..", "io.stevedore.json..")
                .or().resideInAPackage("io.stevedore.storage")
                .should().dependOnClassesThat().resideInAnyPackage(CONCRETE_STORES)
                .because("registry-core holds the OCI model, JSON and the storage SPI; stores plug into it, "
                        + "not the other way round")
                .check(CLASSES);
    }

    @Test
    void theModulesTopLevelPackagesHaveNoCycles() {
        // io.stevedore.{oci,json,storage,client,registry,builder}: core, client, stores
        // (storage and its fs and s3 subpackages are one slice here), server, build-service
        slices().matching("io.stevedore.(*)..").should().beFreeOfCycles()
                .because("modules and the packages they share depend one way only")
                .check(CLASSES);
    }

    @Test
    void theStoresHaveNoCycles() {
        slices().matching("io.stevedore.storage.(*)..").should().beFreeOfCycles()
                .because("each store stands on the SPI alone")
                .check(CLASSES);
    }

    @Test
    void buildServicePackagesHaveNoCycles() {
        // files at the bottom, then layers and context, host and sandbox, dockerfile, engine,
        // and the entry points (cli, worker) on top
        slices().matching("io.stevedore.builder.(*)..").should().beFreeOfCycles()
                .because("build-service's packages form layers a newcomer can read one at a time")
                .check(CLASSES);
    }

    @Test
    void serverPackagesHaveNoCycles() {
        slices().matching("io.stevedore.registry.(*)..").should().beFreeOfCycles()
                .because("the server's packages (distribution, metadata, builds, auth, ...) depend one way only")
                .check(CLASSES);
    }

    @Test
    void authPackagesHaveNoCycles() {
        slices().matching("io.stevedore.registry.auth.(*)..").should().beFreeOfCycles()
                .because("auth is split by concept (accounts, login, access, tokens, management, audit), each "
                        + "depending only on the ones below it")
                .check(CLASSES);
    }
}
