<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1><?cs var:Page.Title ?></h1>
<section class="card">
<p><code><?cs var:Page.Endpoint.url ?></code> <span class="muted small"><?cs var:Page.Endpoint.id ?></span></p>
<?cs if:Page.Gone ?>
<p class="notice" role="status">A new secret or key is shown once, when its page is first opened, and is not kept to be shown again. If you did not copy it, rotate the secret (the one it replaces keeps signing for 24 hours), or generate a new encryption key on the webhook's page.</p>
<?cs /if ?>
<?cs if:Page.Reveal.secret ?>
<label for="secret">Signing secret</label>
<div class="copy-row"><input id="secret" class="mono" readonly spellcheck="false" value="<?cs var:Page.Reveal.secret ?>"><button type="button" class="secondary" data-copy="secret">Copy</button></div>
<p class="notice" role="status">This secret is shown only now: reloading this page will not show it again. Store it in your receiver to verify the <code>webhook-signature</code> header.<?cs if:Page.Rotated ?> The previous secret keeps signing for <?cs var:Page.GraceHours ?> hours.<?cs /if ?></p>
<?cs /if ?>
<?cs if:Page.Reveal.encryption_key ?>
<label for="encryption_key">Payload encryption key</label>
<div class="copy-row"><input id="encryption_key" class="mono" readonly spellcheck="false" value="<?cs var:Page.Reveal.encryption_key ?>"><button type="button" class="secondary" data-copy="encryption_key">Copy</button></div>
<p class="notice" role="status">This key is shown only now: reloading this page will not show it again. Your receiver needs it to decrypt deliveries (AES-256-GCM; the body is an <code>{"encrypted": …}</code> envelope). A new key replaces the previous one at once.</p>
<?cs /if ?>
<?cs if:Page.Endpoint.ed25519_public_key ?>
<label for="ed25519_public_key">ed25519 public key</label>
<div class="copy-row"><textarea id="ed25519_public_key" class="mono" rows="3" readonly spellcheck="false"><?cs var:Page.Endpoint.ed25519_public_key ?></textarea><button type="button" class="secondary" data-copy="ed25519_public_key">Copy</button></div>
<p class="muted small">The public key is not secret: it stays on the endpoint's page.</p>
<?cs /if ?>
<p><a class="button" href="<?cs var:Site.Base ?>/manage/<?cs var:Page.Endpoint.id ?>">Done</a></p>
</section>
<?cs call:layout_bottom() ?>
