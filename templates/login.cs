<?cs include:"layout.cs" ?><?cs call:layout_top() ?>
<section class="card narrow">
<h1>Log in</h1>
<?cs if:Page.Error ?><p class="error" role="alert"><?cs var:Page.Error ?></p><?cs /if ?>
<form method="post" action="<?cs var:Site.Base ?>/login">
<input type="hidden" name="next" value="<?cs var:Page.Next ?>">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="<?cs var:Page.Email ?>">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>
</section>
<?cs call:layout_bottom() ?>
