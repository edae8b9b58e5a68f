/* bench-curlmulti.c: the baseline for the runner benchmark: POST N bodies
 * of SIZE bytes to URL with the curl multi interface, at most CONC at once
 * and PERHOST connections per host (the runner's defaults), reusing
 * connections. Prints the rate. usage: bench-curlmulti URL N SIZE CONC PERHOST */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <curl/curl.h>

static size_t
drop(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static double
now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	long n, size, conc, perhost, started = 0, done = 0, failed = 0, code;
	struct curl_slist *h = NULL;
	CURLM *m;
	char *body;
	double t0;
	int running;

	if (argc != 6)
		return 2;
	n = strtol(argv[2], NULL, 10);
	size = strtol(argv[3], NULL, 10);
	conc = strtol(argv[4], NULL, 10);
	perhost = strtol(argv[5], NULL, 10);
	body = malloc((size_t)size + 1);
	memset(body, 'x', (size_t)size);
	body[size] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, conc);
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, perhost);
	h = curl_slist_append(h, "content-type: application/json");
	h = curl_slist_append(h, "Expect:");
	t0 = now();
	while (done < n) {
		CURLMsg *msg;
		int left;

		while (started < n && started - done < conc) {
			CURL *e = curl_easy_init();

			curl_easy_setopt(e, CURLOPT_URL, argv[1]);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, drop);
			curl_multi_add_handle(m, e);
			started++;
		}
		int finished = 0;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			code = 0;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			if (msg->data.result != CURLE_OK || code != 200)
				failed++;
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			done++;
			finished++;
		}
		/* Refill at once; wait only when nothing moved. */
		if (!finished)
			curl_multi_poll(m, NULL, 0, 50, NULL);
	}
	if (failed)
		fprintf(stderr, "bench-curlmulti: %ld of %ld requests failed\n", failed, n);
	printf("%.1f\n", n / (now() - t0));
	return 0;
}
