<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<h1>Overview</h1>
<section class="card">
<p>Manage your webhook endpoints, watch deliveries and test integrations.</p>
<p><a class="button" href="<?cs var:Site.Base ?>/manage">Manage webhooks</a></p>
</section>
<?cs call:layout_bottom() ?>
