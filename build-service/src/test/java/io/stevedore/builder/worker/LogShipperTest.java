package io.stevedore.builder.worker;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LogShipperTest {

    @Test
    void everyLineArrivesOnceInOrderInBatchesDespiteFailingPosts() throws Exception {
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        LogShipper shipper = new LogShipper(lines -> {
            if (calls.incrementAndGet() % 3 == 0) {
                throw new IOException("registry restarting");   // this batch must come again, whole
            }
            assertThat(lines).endsWith("\n");
            List<String> batch = Arrays.asList(lines.substring(0, lines.length() - 1).split("\n", -1));
            batchSizes.add(batch.size());
            received.addAll(batch);
        }, Duration.ofMillis(1), () -> { });
        PrintStream log = shipper.printStream();
        for (int i = 0; i < 2000; i++) {
            log.println("#1 line " + i);
        }
        shipper.close();

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            expected.add("#1 line " + i);
        }
        assertThat(received).containsExactlyElementsOf(expected);
        assertThat(batchSizes).allSatisfy(size -> assertThat(size).isBetween(1, LogShipper.BATCH_LINES));
    }

    @Test
    void aLoneLineIsShippedWithinTheBatchDelay() throws Exception {
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        LogShipper shipper = new LogShipper(received::add, Duration.ofMillis(1), () -> { });
        shipper.line("#1 [1/2] FROM busybox");
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (received.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(received).containsExactly("#1 [1/2] FROM busybox\n");
        shipper.close();
    }

    @Test
    void theCurrentStepIsTheLatestStepTitle() throws Exception {
        LogShipper shipper = new LogShipper(lines -> { }, Duration.ofMillis(1), () -> { });
        shipper.line("#1 [internal] load build definition");
        shipper.line("#1 DONE 0.0s");
        shipper.line("#2 [1/3] FROM busybox");
        shipper.line("#3 [2/3] RUN make");
        shipper.line("#3 0.512 compiling");
        shipper.line("#2 DONE 1.0s");
        shipper.line("warning: build arguments were not consumed: X");
        assertThat(shipper.step()).isEqualTo("#3 [2/3] RUN make");
        shipper.close();
    }

    @Test
    void aLostLeaseStopsShippingAndIsReported() throws Exception {
        AtomicBoolean lost = new AtomicBoolean();
        Job job = Job.fromJson(io.stevedore.json.Json.MAPPER.readTree("{\"build\":1,\"attempt\":1}"));
        LogShipper shipper = new LogShipper(lines -> {
            throw new LeaseLostException(job);
        }, Duration.ofMillis(1), () -> lost.set(true));
        shipper.line("#1 anything");
        shipper.close();   // returns although nothing could be shipped
        assertThat(shipper.leaseLost()).isTrue();
        assertThat(lost).isTrue();
    }
}
